use std::process::ExitCode;

mod cli;

/// mimalloc: rendering allocates many small strings and maps, and the
/// system allocator was about a quarter of the instructions of a
/// pre-commit `check` (see benches/check-bench.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A reader that went away (`gitops-upgrade status | head`) makes
    // `println!` panic; stop quietly instead, with the status a process
    // killed by SIGPIPE has, as Unix tools do. SIGPIPE itself stays
    // ignored: a kubectl or git that exits before reading its input must
    // be an error to report, not a silent death of this process.
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let p = info.payload();
        let msg = p
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| p.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to std") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
    cli::run()
}
