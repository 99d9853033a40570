use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
