//! The `accounts` binary: serves the API, or runs an operator command.

use std::process::ExitCode;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match accounts::cli::main(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("accounts: {message}");
            ExitCode::FAILURE
        }
    }
}
