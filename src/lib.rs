//! `accounts`: sign-up, email confirmation and JWT login in one small binary
//! with its data in one SQLite file.
//!
//! Layers: [`http`] (routing, parsing, responses) calls the [`domain`]
//! (typed values and rules) and [`store`] (SQLite); [`mail`] delivers the
//! outbox in the background; [`hashing`] keeps bcrypt on its own lane.

#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod client_address;
pub mod config;
pub mod domain;
pub mod hashing;
pub mod http;
pub mod keyfile;
pub mod mail;
pub mod secret;
pub mod server;
pub mod store;
pub mod throttle;
