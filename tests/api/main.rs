//! Integration tests of the HTTP contract, one module per behaviour: every
//! test starts the real `accounts` binary on a free port with a temporary
//! database and a fake Postmark provider, and talks to it over real HTTP.

mod active_flag;
mod backup_target;
mod body_limits;
mod change_password;
mod cli;
mod confirm_email;
mod connection_limits;
mod cors_and_cookie;
mod csrf;
mod delete_account;
mod deployment_files;
mod disk_full;
mod django_hashes;
mod forged_tokens;
mod framing;
mod health;
mod helpers;
mod input_validation;
mod log_secrecy;
mod login;
mod logout;
mod mail;
mod password_hashing;
mod password_reset;
mod process;
mod proxy;
mod refresh;
mod register;
mod request_size_limits;
mod request_smuggling;
mod resend;
mod reset_links;
mod rotation;
mod routing;
mod security_headers;
mod signing_key;
mod slow_clients;
mod startup;
mod throttling;
mod token;
mod token_expiry;
mod user;
mod verify;
mod verify_standing;
