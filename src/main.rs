//! The `hubmail` command: parses arguments, runs, maps the result to an exit code.

mod cli;

/// mimalloc instead of the system allocator: ingest allocates from several threads at
/// once, and glibc's arenas spent about a seventh of its time there (see `scripts/bench.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
