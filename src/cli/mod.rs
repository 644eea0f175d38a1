//! The command line: clap definitions, one file per subcommand, one printer for output.
//! Only this module uses clap and anyhow.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error; `ingest -` (an MTA pipe) follows
//! sysexits.h instead: 0 stored or knowingly ignored, 65 unusable input, 75 try again.

mod approve;
mod assign;
mod attachment;
mod backup;
mod campaigns;
mod check;
mod decide;
mod edit;
mod export;
mod extract_worker;
mod forget;
mod ingest;
mod init;
mod link;
mod log;
mod notify;
mod outbox;
mod output;
mod publish;
mod question;
mod queue;
mod reindex;
mod reject;
mod reopen;
mod report;
mod review;
mod search;
mod sender;
mod serve;
mod set_type;
mod show;
mod stats;
mod views;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

use hubmail::config::Config;

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 failure (the message says what to do next), 2 usage error.
'hubmail ingest -' (for an MTA pipe) uses sysexits.h: 0 stored or knowingly ignored,
65 input that retrying cannot help, 75 temporary failure (the MTA should retry).

Every listing and 'show' take --json. Quickstart: 'bash scripts/demo.sh'.";

/// hubmail: a moderated, multilingual consultation by email.
#[derive(Debug, Parser)]
#[command(name = "hubmail", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Where the store and index live.
    #[arg(
        long,
        global = true,
        env = "HUBMAIL_DATA_DIR",
        default_value = "hubmail-data"
    )]
    data_dir: PathBuf,
    /// The configuration file [default: ./hubmail.toml when present, else the embedded default].
    #[arg(long, global = true, env = "HUBMAIL_CONFIG")]
    config: Option<PathBuf>,
    /// Who is moderating [default: the config's default_moderator, else $USER].
    #[arg(long, global = true, env = "HUBMAIL_MODERATOR")]
    moderator: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(init::Init),
    Ingest(ingest::Ingest),
    Queue(queue::Queue),
    Show(show::Show),
    Attachment(attachment::Attachment),
    Approve(approve::Approve),
    Reject(reject::Reject),
    Edit(edit::Edit),
    Assign(assign::Assign),
    Link(link::Link),
    Unlink(link::Unlink),
    Question(question::Question),
    SetType(set_type::SetType),
    Reopen(reopen::Reopen),
    Release(reopen::Release),
    Review(review::Review),
    Search(search::Search),
    Publish(publish::Publish),
    Export(export::Export),
    Report(report::Report),
    Serve(serve::Serve),
    Sender(sender::Sender),
    Log(log::Log),
    Outbox(outbox::Outbox),
    Notify(notify::Notify),
    Stats(stats::Stats),
    Check(check::Check),
    Watch(watch::Watch),
    Reindex(reindex::Reindex),
    Backup(backup::Backup),
    Restore(backup::Restore),
    Forget(forget::Forget),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: 'hubmail man | man -l -'.
    Man,
    #[command(hide = true)]
    ExtractWorker(extract_worker::ExtractWorker),
}

/// What every command gets: the loaded configuration and where the data is.
pub struct Context {
    /// The configuration in force.
    pub config: Config,
    /// The data directory.
    pub data_dir: PathBuf,
    moderator: Option<String>,
}

impl Context {
    fn load(
        config: Option<&Path>,
        data_dir: PathBuf,
        moderator: Option<String>,
    ) -> anyhow::Result<Context> {
        let config = match config {
            Some(path) => Config::load(path)?,
            None if Path::new("hubmail.toml").exists() => Config::load(Path::new("hubmail.toml"))?,
            None => Config::embedded(),
        };
        Ok(Context {
            config,
            data_dir,
            moderator,
        })
    }

    /// How long to wait for another process holding the store.
    pub fn lock_wait(&self) -> Duration {
        Duration::from_millis(self.config.store.lock_wait_ms)
    }

    /// Opens the store and index, in sync.
    pub fn session(&self) -> anyhow::Result<hubmail::session::Session> {
        Ok(hubmail::session::Session::open(&self.run_options())?)
    }

    /// Options for the pipeline.
    pub fn run_options(&self) -> hubmail::session::Options {
        hubmail::session::Options {
            data_dir: self.data_dir.clone(),
            lock_wait: self.lock_wait(),
            dictionary_after: self.config.store.dictionary_after,
            create: false,
        }
    }

    /// Options for a command that brings mail in, and so may start the store.
    pub fn creating_options(&self) -> hubmail::session::Options {
        hubmail::session::Options {
            create: true,
            ..self.run_options()
        }
    }

    /// The moderator acting: `--moderator`, else the config's default, else `$USER`.
    pub fn moderator(&self) -> String {
        self.moderator
            .clone()
            .or_else(|| self.config.moderation.default_moderator.clone())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_default()
            .trim()
            .to_string()
    }
}

/// Turns transparent huge pages off for this process. A command that opens the store
/// faults in ~50 MB of fresh memory (sled's page table): with huge pages, which mimalloc
/// asks for, `show` at 100,000 submissions takes 36 ms instead of 46-52 (1,200 page faults
/// instead of 9,300). Bulk work allocates and frees for minutes, and there huge pages held
/// 50-60 MB more at the peak of a 100,000-message ingest for no speed.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!(error = %e, "could not turn transparent huge pages off");
    }
}

/// Prints clap's answer to arguments it did not accept (or to --help, --version), with
/// what was typed made safe for the terminal: a usage error quotes the argument.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || matches!(
            e.kind(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        let _ = e.print();
    } else {
        eprint!("{}", output::safe(&e.render().to_string()));
    }
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    // Logs on stderr: the worker says what it does; other commands only warn.
    let default = if matches!(cli.command, Command::Watch(_)) {
        "info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .init();
    let pipe_mode = matches!(&cli.command, Command::Ingest(i) if i.is_pipe());
    let bulk = matches!(
        &cli.command,
        Command::Watch(_) | Command::Reindex(_) | Command::Backup(_) | Command::Restore(_)
    ) || matches!(&cli.command, Command::Ingest(_) if !pipe_mode);
    if bulk {
        crate::allocator_for_bulk_work();
        without_huge_pages();
    }
    match run(cli) {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hubmail: {}", output::safe(&output::error_chain(&err)));
            if pipe_mode {
                ExitCode::from(ingest::pipe_exit_code(&err))
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "hubmail",
                &mut std::io::stdout(),
            );
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            return Ok(ExitCode::SUCCESS);
        }
        // Needs no configuration and no data: it reads one file and exits.
        Command::ExtractWorker(cmd) => return cmd.execute(),
        other => other,
    };
    // Attachments are read by this program's own extract-worker, in a subprocess.
    if let Ok(program) = std::env::current_exe() {
        hubmail::extract::install_worker(program);
    }
    hubmail::clock::check_pinned().map_err(anyhow::Error::msg)?;
    let ctx = Context::load(cli.config.as_deref(), cli.data_dir, cli.moderator)?;
    match command {
        Command::Init(cmd) => cmd.execute(&ctx),
        Command::Ingest(cmd) => cmd.execute(&ctx),
        Command::Queue(cmd) => cmd.execute(&ctx),
        Command::Show(cmd) => cmd.execute(&ctx),
        Command::Attachment(cmd) => cmd.execute(&ctx),
        Command::Approve(cmd) => cmd.execute(&ctx),
        Command::Reject(cmd) => cmd.execute(&ctx),
        Command::Edit(cmd) => cmd.execute(&ctx),
        Command::Assign(cmd) => cmd.execute(&ctx),
        Command::Link(cmd) => cmd.execute(&ctx),
        Command::Unlink(cmd) => cmd.execute(&ctx),
        Command::Serve(cmd) => cmd.execute(&ctx),
        Command::Question(cmd) => cmd.execute(&ctx),
        Command::SetType(cmd) => cmd.execute(&ctx),
        Command::Reopen(cmd) => cmd.execute(&ctx),
        Command::Release(cmd) => cmd.execute(&ctx),
        Command::Review(cmd) => cmd.execute(&ctx),
        Command::Search(cmd) => cmd.execute(&ctx),
        Command::Publish(cmd) => cmd.execute(&ctx),
        Command::Export(cmd) => cmd.execute(&ctx),
        Command::Report(cmd) => cmd.execute(&ctx),
        Command::Sender(cmd) => cmd.execute(&ctx),
        Command::Log(cmd) => cmd.execute(&ctx),
        Command::Outbox(cmd) => cmd.execute(&ctx),
        Command::Notify(cmd) => cmd.execute(&ctx),
        Command::Stats(cmd) => cmd.execute(&ctx),
        Command::Check(cmd) => cmd.execute(&ctx),
        Command::Watch(cmd) => cmd.execute(&ctx),
        Command::Reindex(cmd) => cmd.execute(&ctx),
        Command::Backup(cmd) => cmd.execute(&ctx),
        Command::Restore(cmd) => cmd.execute(&ctx),
        Command::Forget(cmd) => cmd.execute(&ctx),
        Command::Completions { .. } | Command::Man | Command::ExtractWorker(_) => {
            Ok(ExitCode::SUCCESS)
        }
    }
}
