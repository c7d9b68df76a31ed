//! The `accounts` binary: serves the API, or runs an operator command.

use std::process::ExitCode;

use log::LevelFilter;

fn main() -> ExitCode {
    init_logging();
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

/// `RUST_LOG` as usual (default `info`), except that the HTTP client and TLS
/// crates never log below `info`: at `debug`/`trace` they would print mail
/// bodies (which hold one-time links) and the provider's API key.
fn init_logging() {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    for noisy in ["ureq", "ureq_proto", "rustls", "tiny_http"] {
        builder.filter_module(noisy, LevelFilter::Info);
    }
    builder.init();
}
