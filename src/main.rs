use std::process::ExitCode;

mod cli;

/// mimalloc: rendering allocates many small strings and maps, and the
/// system allocator was about a quarter of the instructions of a
/// pre-commit `check` (see benches/check-bench.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::run()
}
