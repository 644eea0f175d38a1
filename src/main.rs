//! The `hubmail` command: parses arguments, runs, maps the result to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
