//! Integration tests of the HTTP contract (issue 2): every test starts the
//! real `accounts` binary on a free port with a temporary database and a fake
//! Postmark provider, and talks to it over real HTTP.

mod active_flag;
mod backup_target;
mod change_password;
mod cli;
mod confirm_email;
mod delete_account;
mod deployment_files;
mod disk_full;
mod health;
mod helpers;
mod hostile;
mod login;
mod logout;
mod mail;
mod password_reset;
mod process;
mod proxy;
mod refresh;
mod register;
mod resend;
mod rotation;
mod routing;
mod startup;
mod throttling;
mod token;
mod token_expiry;
mod user;
mod verify;
