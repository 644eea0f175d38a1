//! The command line: clap definitions, one file per subcommand, one printer for output.
//! Only this module uses clap and anyhow.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error; `ingest -` (an MTA pipe) follows
//! sysexits.h instead: 0 stored or knowingly ignored, 65 unusable input, 75 try again.

mod check;
mod ingest;
mod output;
mod queue;
mod reindex;
mod show;
mod views;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use hubmail::config::Config;

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 failure, 2 usage error.
'hubmail ingest -' (for an MTA pipe) uses sysexits.h: 0 stored or knowingly ignored,
65 input that retrying cannot help, 75 temporary failure (the MTA should retry).

Quickstart: 'bash scripts/demo.sh' ingests the bundled fixtures and shows the queue.";

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Ingest(ingest::Ingest),
    Queue(queue::Queue),
    Show(show::Show),
    Reindex(reindex::Reindex),
    Check(check::Check),
}

/// What every command gets: the loaded configuration and where the data is.
pub struct Context {
    /// The configuration in force.
    pub config: Config,
    /// The data directory.
    pub data_dir: PathBuf,
}

impl Context {
    fn load(cli: &Cli) -> anyhow::Result<Context> {
        let config = match &cli.config {
            Some(path) => Config::load(path)?,
            None if Path::new("hubmail.toml").exists() => Config::load(Path::new("hubmail.toml"))?,
            None => Config::embedded(),
        };
        Ok(Context {
            config,
            data_dir: cli.data_dir.clone(),
        })
    }

    /// How long to wait for another process holding the store.
    pub fn lock_wait(&self) -> Duration {
        Duration::from_millis(self.config.store.lock_wait_ms)
    }

    /// Opens the store and index, in sync.
    pub fn session(&self) -> anyhow::Result<hubmail::ingest::Session> {
        Ok(hubmail::ingest::Session::open(&self.run_options())?)
    }

    /// Options for the pipeline.
    pub fn run_options(&self) -> hubmail::ingest::RunOptions {
        hubmail::ingest::RunOptions {
            data_dir: self.data_dir.clone(),
            lock_wait: self.lock_wait(),
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let pipe_mode = matches!(&cli.command, Command::Ingest(i) if i.is_pipe());
    match run(cli) {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hubmail: {}", output::error_chain(&err));
            if pipe_mode {
                ExitCode::from(ingest::pipe_exit_code(&err))
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(&cli)?;
    match cli.command {
        Command::Ingest(cmd) => cmd.execute(&ctx),
        Command::Queue(cmd) => cmd.execute(&ctx),
        Command::Show(cmd) => cmd.execute(&ctx),
        Command::Reindex(cmd) => cmd.execute(&ctx),
        Command::Check(cmd) => cmd.execute(&ctx),
    }
}
