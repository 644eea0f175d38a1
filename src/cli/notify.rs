//! `hubmail notify preview KIND [--lang L] [--id N]`: a message as it would be sent.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use hubmail::model::{Lang, MailKind, SubmissionId};
use hubmail::notify::{self, compose, templates::Templates};

use super::{Context, output};

/// The messages hubmail sends: see one rendered without sending it.
#[derive(Debug, Args)]
pub struct Notify {
    #[command(subcommand)]
    command: NotifyCommand,
}

#[derive(Debug, Subcommand)]
enum NotifyCommand {
    /// Render a message with the templates in force ([notify] templates_dir overrides
    /// included): about submission --id N, or for the digest the arrivals since the last
    /// digest. Nothing is queued or sent.
    Preview {
        /// Which message.
        kind: KindArg,
        /// Its language [default: the submission's; the digest's: [notify] moderators_lang].
        #[arg(long)]
        lang: Option<LangArg>,
        /// The submission it is about (required except for the digest).
        #[arg(long)]
        id: Option<u64>,
        /// A rejection's reason [default: the submission's own, if it was rejected].
        #[arg(long)]
        reason: Option<String>,
    },
}

/// A kind of message on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    /// The acknowledgement of receipt.
    Ack,
    /// The notice of publication.
    Approved,
    /// The notice of rejection.
    Rejected,
    /// The moderators' digest.
    Digest,
}

/// A language on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    Fr,
    Es,
}

impl Notify {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let NotifyCommand::Preview {
            kind,
            lang,
            id,
            reason,
        } = self.command;
        let kind = match kind {
            KindArg::Ack => MailKind::Ack,
            KindArg::Approved => MailKind::Approved,
            KindArg::Rejected => MailKind::Rejected,
            KindArg::Digest => MailKind::Digest,
        };
        let templates = Templates::load(ctx.config.notify.templates_dir.as_deref())?;
        let session = ctx.session()?;
        let store = &session.store;
        let submission = id.map(|n| store.get(SubmissionId(n))).transpose()?;
        let lang = match lang {
            Some(LangArg::En) => Lang::En,
            Some(LangArg::Fr) => Lang::Fr,
            Some(LangArg::Es) => Lang::Es,
            None => compose::language(&ctx.config, kind, submission.as_ref()),
        };
        let reason = reason.or_else(|| {
            submission
                .as_ref()
                .and_then(|s| s.decision.as_ref())
                .filter(|d| d.state == hubmail::model::State::Rejected)
                .and_then(|d| d.reason.clone())
        });
        let arrivals = match kind {
            MailKind::Digest => notify::arrivals_since_last_digest(store)?,
            _ => Vec::new(),
        };
        let rendered = compose::preview(
            store,
            &ctx.config,
            &templates,
            kind,
            lang,
            (submission.as_ref(), reason.as_deref(), &arrivals),
        )?;
        println!("Subject: {}", output::safe_line(&rendered.subject));
        println!("Content-Language: {}", lang.code());
        println!();
        print!("{}", output::safe(&rendered.body));
        Ok(ExitCode::SUCCESS)
    }
}
