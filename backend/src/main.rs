use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    hospital::telemetry::init();
    match hospital::cli::run(hospital::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
