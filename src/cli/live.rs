//! `accounts check-config --live`: besides reading the settings, looks at
//! what the service would use, the way it would use it. Each check prints
//! one line; the command fails if any check does.
//!
//! - the database: the file exists, opens, and has a schema this binary
//!   understands (opened read-write, never created nor migrated);
//! - the signing key: `ACCOUNTS_SECRET_KEY`, or a key file beside the
//!   database that is private and long enough;
//! - the mail provider: the host of its endpoint resolves.

use std::net::ToSocketAddrs;

use crate::config::Config;
use crate::keyfile;
use crate::mail;
use crate::store::Store;

/// One check: what was checked, and what was found or what is wrong.
pub struct Check {
    pub what: String,
    pub outcome: Result<String, String>,
}

/// Every live check, in order.
pub fn checks(config: &Config) -> Vec<Check> {
    vec![database(config), signing_key(config), mail_host(config)]
}

impl Check {
    /// `live: database accounts.db: ok: schema version 1, 3 users`
    pub fn line(&self) -> String {
        match &self.outcome {
            Ok(found) => format!("live: {}: ok: {found}", self.what),
            Err(problem) => format!("live: {}: FAILED: {problem}", self.what),
        }
    }
}

fn database(config: &Config) -> Check {
    let path = &config.db_path;
    let outcome = match Store::inspect(path) {
        Err(e) => Err(e.to_string()),
        Ok(found) if found.schema_version > found.expected_version => Err(format!(
            "schema version {} is newer than this binary's {}; run a newer accounts",
            found.schema_version, found.expected_version
        )),
        Ok(found) if found.schema_version < found.expected_version => Ok(format!(
            "schema version {}, brought to {} at the next start; {} users",
            found.schema_version, found.expected_version, found.users
        )),
        Ok(found) => Ok(format!(
            "schema version {}, {} users",
            found.schema_version, found.users
        )),
    };
    Check {
        what: format!("database {}", path.display()),
        outcome,
    }
}

fn signing_key(config: &Config) -> Check {
    if config.secret_key.is_some() {
        return Check {
            what: "signing key".into(),
            outcome: Ok("ACCOUNTS_SECRET_KEY is set".into()),
        };
    }
    let path = keyfile::path_for(&config.db_path);
    let outcome = match keyfile::load(&path) {
        Ok(Some(_)) => Ok("readable by its owner only, long enough".into()),
        Ok(None) => Err(
            "missing: the service would make a new key at start, and refuse every \
                         token signed with the old one"
                .into(),
        ),
        Err(e) => Err(e.to_string()),
    };
    Check {
        what: format!("signing key {}", path.display()),
        outcome,
    }
}

fn mail_host(config: &Config) -> Check {
    let Some(url) = mail::endpoint(&config.mail) else {
        return Check {
            what: "mail provider".into(),
            outcome: Ok("log: mail is written to the log, nothing to reach".into()),
        };
    };
    let outcome = host_and_port(&url).and_then(|(host, port)| {
        let addresses: Vec<String> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("{host} does not resolve: {e}"))?
            .map(|a| a.ip().to_string())
            .collect();
        if addresses.is_empty() {
            Err(format!("{host} resolves to no address"))
        } else {
            Ok(format!("{host} resolves to {}", addresses.join(", ")))
        }
    });
    Check {
        what: format!("mail provider {}", config.mail.provider.as_str()),
        outcome,
    }
}

/// The host to resolve and the port of an `http://` or `https://` URL.
fn host_and_port(url: &str) -> Result<(String, u16), String> {
    let uri: ureq::http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let host = uri
        .host()
        .ok_or_else(|| format!("{url} has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let default_port = if uri.scheme_str() == Some("https") {
        443
    } else {
        80
    };
    Ok((host, uri.port_u16().unwrap_or(default_port)))
}

#[cfg(test)]
mod tests {
    use super::host_and_port;

    #[test]
    fn the_port_comes_from_the_url_or_its_scheme() {
        let at = |url| host_and_port(url).unwrap();
        assert_eq!(
            at("https://api.postmarkapp.com/email"),
            ("api.postmarkapp.com".into(), 443)
        );
        assert_eq!(at("http://relay.local/email"), ("relay.local".into(), 80));
        assert_eq!(at("http://127.0.0.1:8025/x"), ("127.0.0.1".into(), 8025));
        assert_eq!(at("http://[::1]:8025/x"), ("::1".into(), 8025));
    }
}
