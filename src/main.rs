//! The `accounts` binary: serves the API, or runs an operator command.

use std::process::ExitCode;

use accounts::logging;

fn main() -> ExitCode {
    logging::init(logging::format_from_env());
    let args: Vec<String> = std::env::args().skip(1).collect();
    match accounts::cli::main(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever failed: every error's `Display` is a sentence.
            eprintln!("accounts: {error}");
            ExitCode::FAILURE
        }
    }
}
