//! A real SMTP server for the mail tests: `tests/smtp/server.py` (aiosmtpd,
//! from the virtual environment `.ci/run` makes in `.ci/tools/venv`) with
//! STARTTLS (or, for `smtps://`, TLS from the first byte) and AUTH
//! required, on a certificate signed by a test authority that openssl makes
//! in the test's temporary directory. The server writes every message it
//! accepts to a directory, which the test reads.
//!
//! Without `ACCOUNTS_TEST_SMTP_PYTHON` the tests skip with a `SKIPPED:`
//! line, unless `ACCOUNTS_TEST_REQUIRE_SMTP=1` (CI) makes that a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::server::TempDir;
use super::{MAIL_DEADLINE, reserve_port, wait_until};

/// The user and password the server accepts.
const SMTP_USER: &str = "mailer";
const SMTP_PASSWORD: &str = "smtp-pass:w@rd";

/// A running aiosmtpd, killed on drop.
pub struct SmtpServer {
    pub port: u16,
    /// How the service reaches it.
    mode: Mode,
    /// The test authority's certificate, for `ACCOUNTS_MAIL_CA_FILE`.
    pub ca_file: PathBuf,
    inbox: PathBuf,
    child: Child,
    /// Certificates and the inbox; removed after the server is killed.
    _dir: TempDir,
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The raw message as received (headers and MIME parts).
    pub raw: String,
    pub recipients: Vec<String>,
}

impl SmtpServer {
    /// Starts the server, STARTTLS required, with its files in a temporary
    /// directory; `None` (after a loud message) when no Python with aiosmtpd
    /// is configured and CI does not require one.
    pub fn start() -> Option<SmtpServer> {
        SmtpServer::start_as(Mode::StartTls)
    }

    /// As [`SmtpServer::start`], with TLS from the first byte (`smtps://`).
    pub fn start_implicit_tls() -> Option<SmtpServer> {
        SmtpServer::start_as(Mode::ImplicitTls)
    }

    /// A local relay: no TLS, no AUTH (`smtp://127.0.0.1:PORT?tls=none`).
    pub fn start_plain_relay() -> Option<SmtpServer> {
        SmtpServer::start_as(Mode::Plain)
    }

    fn start_as(mode: Mode) -> Option<SmtpServer> {
        let python = python()?;
        let temp = TempDir::new();
        let dir = temp.path();
        let (cert, key, ca_file) = make_certificates(dir);
        let inbox = dir.join("inbox");
        std::fs::create_dir_all(&inbox).expect("create the inbox directory");
        let port = reserve_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let mut child = Command::new(python)
            // aiosmtpd warns about its own use of a deprecated attribute.
            .args(["-W", "ignore::DeprecationWarning"])
            .arg(script)
            .arg(port.to_string())
            .arg(&cert)
            .arg(&key)
            .arg(SMTP_USER)
            .arg(SMTP_PASSWORD)
            .arg(&inbox)
            .arg(mode.argument())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/smtp/server.py");
        wait_for_ready(&mut child);
        Some(SmtpServer {
            port,
            mode,
            ca_file,
            inbox,
            child,
            _dir: temp,
        })
    }

    /// `ACCOUNTS_SMTP_URL` for this server with the right credentials,
    /// percent-encoded.
    pub fn url(&self) -> String {
        let port = self.port;
        match self.mode {
            Mode::StartTls => format!("smtp://{SMTP_USER}:smtp-pass%3Aw%40rd@localhost:{port}"),
            Mode::ImplicitTls => format!("smtps://{SMTP_USER}:smtp-pass%3Aw%40rd@localhost:{port}"),
            Mode::Plain => format!("smtp://127.0.0.1:{port}?tls=none"),
        }
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut numbered: Vec<(u64, PathBuf)> = std::fs::read_dir(&self.inbox)
            .expect("read the inbox")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .filter_map(|p| Some((p.file_stem()?.to_str()?.parse().ok()?, p)))
            .collect();
        numbered.sort();
        numbered
            .into_iter()
            .map(|(_, path)| ReceivedMail {
                raw: std::fs::read_to_string(&path).expect("read a message"),
                recipients: std::fs::read_to_string(path.with_extension("rcpt"))
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned)
                    .collect(),
            })
            .collect()
    }

    /// Waits for a message to `email` and returns it.
    pub fn wait_for_mail_to(&self, email: &str) -> ReceivedMail {
        wait_until(
            &format!("an SMTP message to {email}"),
            MAIL_DEADLINE,
            || {
                self.messages()
                    .into_iter()
                    .find(|m| m.recipients.iter().any(|r| r == email))
            },
        )
    }
}

/// How the server takes connections.
#[derive(Clone, Copy)]
enum Mode {
    /// STARTTLS and AUTH required.
    StartTls,
    /// TLS from the first byte, AUTH required.
    ImplicitTls,
    /// Neither TLS nor AUTH: a local relay.
    Plain,
}

impl Mode {
    /// The MODE argument of `tests/smtp/server.py`.
    fn argument(self) -> &'static str {
        match self {
            Mode::StartTls => "starttls",
            Mode::ImplicitTls => "smtps",
            Mode::Plain => "plain",
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> Option<PathBuf> {
    match std::env::var_os("ACCOUNTS_TEST_SMTP_PYTHON") {
        Some(python) => Some(python.into()),
        None => {
            assert!(
                std::env::var("ACCOUNTS_TEST_REQUIRE_SMTP").is_err(),
                "ACCOUNTS_TEST_SMTP_PYTHON must name a Python with tests/smtp/requirements.txt \
                 installed (.ci/run installs it into .ci/tools/venv)"
            );
            eprintln!(
                "SKIPPED: a test against a real SMTP server: ACCOUNTS_TEST_SMTP_PYTHON is not set \
                 (set ACCOUNTS_TEST_REQUIRE_SMTP=1 to make this a failure; after .ci/run, \
                 ACCOUNTS_TEST_SMTP_PYTHON=.ci/tools/venv/bin/python)"
            );
            None
        }
    }
}

/// Waits for the server's `READY` line.
fn wait_for_ready(child: &mut Child) {
    let stdout = child.stdout.take().expect("piped stdout");
    let (ready, wait) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if line.is_ok_and(|l| l.trim() == "READY") {
                let _ = ready.send(());
            }
        }
    });
    if wait.recv_timeout(Duration::from_secs(30)).is_err() {
        let _ = child.kill();
        panic!("tests/smtp/server.py did not print READY");
    }
}

/// A test authority and a certificate it signed for `localhost` and
/// `127.0.0.1`: `(cert, key, ca_file)`.
fn make_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let path = |name: &str| dir.join(name);
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        dir,
        &[
            &["req", "-x509"],
            &ec[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=accounts test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[
            &["req"],
            &ec[..],
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        path("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n\
         basicConstraints=CA:FALSE\n",
    )
    .expect("write the extensions file");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    (path("server.pem"), path("server.key"), path("ca.pem"))
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl (Debian package openssl)");
    assert!(
        output.status.success(),
        "openssl {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
