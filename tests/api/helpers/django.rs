//! Sources made by real Django for the import tests: `tests/django/
//! make_sources.py` runs once per test run, with the Python interpreter of
//! `ACCOUNTS_TEST_PYTHON` (a virtual environment with the pinned packages
//! of `tests/django/requirements.txt`, which `.ci/run` creates).
//!
//! Without that variable the Django tests say so loudly and pass, unless
//! `ACCOUNTS_TEST_REQUIRE_DJANGO=1` (set by CI), like the nginx tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::app::TestApp;
use super::lifecycle::CliOutput;

/// The files `make_sources.py` wrote and what it says about them.
pub struct DjangoSources {
    pub dir: PathBuf,
    pub expected: Value,
}

/// One user of `expected.json`.
#[derive(Debug, Clone)]
pub struct DjangoUser {
    pub id: i64,
    pub email: String,
    pub username: Option<String>,
    /// `None` for the unusable password.
    pub password: Option<String>,
    pub hasher: String,
    pub active: bool,
}

impl DjangoUser {
    /// A user whose password logs in after the import: usable, active.
    pub fn logs_in(&self) -> bool {
        self.active
            && self.password.is_some()
            && !matches!(self.hasher.as_str(), "md5" | "unusable")
    }
}

impl DjangoSources {
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// Django's `SECRET_KEY`, which signed the SimpleJWT tokens.
    pub fn secret_key(&self) -> &str {
        self.expected["secret_key"].as_str().expect("secret_key")
    }

    pub fn users(&self) -> Vec<DjangoUser> {
        self.expected["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| DjangoUser {
                id: u["id"].as_i64().expect("id"),
                email: u["email"].as_str().expect("email").to_owned(),
                username: u["username"].as_str().map(str::to_owned),
                password: u["password"].as_str().map(str::to_owned),
                hasher: u["hasher"].as_str().expect("hasher").to_owned(),
                active: u["active"].as_bool().expect("active"),
            })
            .collect()
    }

    pub fn user(&self, hasher_or_email: &str) -> DjangoUser {
        self.users()
            .into_iter()
            .find(|u| u.email == hasher_or_email || u.hasher == hasher_or_email)
            .unwrap_or_else(|| panic!("no Django user {hasher_or_email:?}"))
    }

    /// The largest id among the source's users.
    pub fn max_id(&self) -> i64 {
        self.users().iter().map(|u| u.id).max().expect("users")
    }

    /// A server that shares Django's `SECRET_KEY`, as a deployment taking
    /// over from Django would. A first login with Django's own costs
    /// (PBKDF2 at a million iterations, Argon2 at 100 MiB) can take longer
    /// than the connection read timeout on a loaded machine, which would
    /// close the client's kept-alive connection under the next request; the
    /// timeout is raised so that only what these tests check can fail them.
    pub fn spawn_app(&self) -> TestApp {
        TestApp::builder()
            .env("ACCOUNTS_SECRET_KEY", self.secret_key())
            .env("ACCOUNTS_READ_TIMEOUT", "120")
            .spawn()
    }
}

/// The sources, made once per test run; `None` (after a loud message) when
/// no Python with Django is configured and CI does not require one.
pub fn django_sources() -> Option<&'static DjangoSources> {
    static SOURCES: OnceLock<Option<DjangoSources>> = OnceLock::new();
    SOURCES.get_or_init(make_sources).as_ref()
}

fn make_sources() -> Option<DjangoSources> {
    let Some(python) = std::env::var_os("ACCOUNTS_TEST_PYTHON") else {
        assert!(
            std::env::var("ACCOUNTS_TEST_REQUIRE_DJANGO").is_err(),
            "ACCOUNTS_TEST_PYTHON must name a Python with tests/django/requirements.txt installed (.ci/run makes one)"
        );
        eprintln!(
            "\n!!! ACCOUNTS_TEST_PYTHON is not set: SKIPPING the tests against real Django \
             (run .ci/run, or make a venv from tests/django/requirements.txt and point ACCOUNTS_TEST_PYTHON at its python) !!!\n"
        );
        return None;
    };
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    remove_stale_sources(root);
    let dir = root.join(format!("django-sources-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the Django sources directory");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django/make_sources.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&dir)
        .output()
        .expect("run tests/django/make_sources.py");
    assert!(
        output.status.success(),
        "make_sources.py failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let expected = serde_json::from_str(&expected).expect("expected.json is JSON");
    Some(DjangoSources { dir, expected })
}

/// Sources left by earlier runs (a day old or more).
fn remove_stale_sources(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let day = Duration::from_secs(86_400);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > day);
        if old
            && entry
                .file_name()
                .to_string_lossy()
                .starts_with("django-sources-")
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl TestApp {
    /// `accounts import <args>` on this server's database.
    pub fn import(&self, args: &[&str]) -> CliOutput {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        self.cli().run(&all)
    }

    /// `POST /api/token/` with a login field (`email` or `username`);
    /// returns the status and the body.
    pub fn token_for(&self, field: &str, login: &str, password: &str) -> (u16, Value) {
        let response = self.post_json("/api/token/", &json!({field: login, "password": password}));
        let status = response.status;
        (
            status,
            if response.body.is_empty() {
                Value::Null
            } else {
                response.json()
            },
        )
    }

    /// The stored password hash of user `id`, read from the database file.
    pub fn stored_hash(&self, id: i64) -> String {
        let conn = rusqlite::Connection::open(self.db_path()).expect("open the database");
        conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .expect("the user's hash")
    }

    /// Every user row (all columns but the hash), for before/after checks.
    pub fn user_rows(&self) -> Vec<String> {
        user_rows(&self.db_path())
    }
}

/// Every user row of a database file, as text, in id order.
pub fn user_rows(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    let mut statement = conn
        .prepare(
            "SELECT id, email, username, password_hash, is_email_confirmed, is_active, \
             tokens_valid_after, created_at, last_login_at FROM users ORDER BY id",
        )
        .expect("prepare");
    statement
        .query_map([], |r| {
            Ok(format!(
                "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, Option<i64>>(8)?,
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}
