//! `accounts`: sign-up, email confirmation and JWT login in one small binary
//! with its data in one SQLite file.
//!
//! Layers, each calling only the ones below it:
//!
//! - [`http`] (routing, request parsing, responses) and [`cli`] (operator
//!   commands) are the two front doors: they parse input into typed values,
//!   call an action, and turn its outcome into a reply or a line of output.
//! - [`accounts`] holds the actions (register, log in, reset a password...):
//!   one function each, applying the rules and the throttles.
//! - [`domain`] holds the typed values (`Email`, `Password`, tokens) and
//!   their rules; [`store`] the SQLite queries.
//!
//! Beside them: [`server`] starts and stops the service, [`config`] reads
//! the settings, [`app`] is the state every request shares, [`mail`]
//! delivers the outbox in the background, [`hashing`] keeps bcrypt on its
//! own lane, [`throttle`] counts attempts, [`client_address`] finds the
//! address they are counted under, [`backups`] writes the scheduled
//! backups and restores one, and [`keyfile`] and [`keyring`] keep the
//! signing keys beside the database.
//! [`import`] is an operator's use case of its own: it moves users in from
//! Django and out as JSON lines.
//! [`metrics`], [`logging`] (with [`request_id`]) and [`systemd`] are how
//! operators watch it.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod admission;
pub mod app;
pub mod backups;
pub mod cli;
pub mod client_address;
pub mod config;
pub mod domain;
pub mod hashing;
pub mod http;
pub mod import;
pub mod keyfile;
pub mod keyring;
pub mod logging;
pub mod mail;
pub mod metrics;
pub mod request_id;
pub mod secret;
pub mod server;
pub mod store;
pub mod systemd;
pub mod throttle;
