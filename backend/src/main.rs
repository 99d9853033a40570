use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    malloc::settle();
    if let Err(e) = hospital::telemetry::init() {
        eprintln!("error: {e:#}");
        return std::process::ExitCode::FAILURE;
    }
    match hospital::cli::run(hospital::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc's malloc, left to its defaults, keeps most of what the server frees: the size from which it hands
/// blocks back to the system rises to 19 MiB with the first password hash freed, and up to eight arenas per core
/// each keep their own free memory. Over a morning of 600 visits that held the server at about 150 MiB; with
/// big blocks always mapped (from 1 MiB) and one arena per core it stays near 60 MiB, as fast
/// (`bench/memory.sh`, BENCHMARKS.md). glibc reads these settings only when a process starts, so the server
/// starts itself once more with them, unless `GLIBC_TUNABLES` is set already (set it empty for glibc's own).
mod malloc {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    pub fn settle() {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("GLIBC_TUNABLES").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        let mut args = std::env::args_os();
        let mut again = std::process::Command::new(exe);
        if let Some(name) = args.next() {
            again.arg0(name);
        }
        let error = again
            .args(args)
            .env(
                "GLIBC_TUNABLES",
                format!("glibc.malloc.mmap_threshold=1048576:glibc.malloc.arena_max={cores}"),
            )
            .exec();
        // `exec` returns only when it failed: carry on with glibc's defaults.
        eprintln!(
            "warning: could not restart with malloc settings ({error}); going on without them"
        );
    }

    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    pub fn settle() {}
}
