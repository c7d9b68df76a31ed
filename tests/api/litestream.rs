//! Disaster recovery with Litestream, using the shipped configuration
//! (`systemd/litestream.yml`, with its two paths pointed at the test's
//! directory): a live database is replicated to a file replica while users
//! register; the server and Litestream are killed at once and the database
//! deleted, as a dead disk would leave them; `litestream restore` brings it
//! back; a new server on it logs every restored user in. The test prints the
//! recovery point: how many of the registrations acknowledged in the last
//! seconds before the cut survived.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, litestream, run_with_deadline, spawn_app, wait_until};

/// Registered, then waited for in the replica before the cut.
const SETTLED: usize = 20;
/// Registered one every [`PACE`] right up to the cut.
const LAST: usize = 30;
const PACE: Duration = Duration::from_millis(100);
const REPLICA_DEADLINE: Duration = Duration::from_secs(60);

/// The shipped configuration, pointed at `db` and `replica`.
fn configuration(db: &Path, replica: &Path) -> String {
    let shipped = include_str!("../../systemd/litestream.yml");
    for path in ["/var/lib/accounts/accounts.db", "/var/lib/accounts-replica"] {
        assert!(shipped.contains(path), "litestream.yml names {path}");
    }
    shipped
        .replace("/var/lib/accounts/accounts.db", &db.to_string_lossy())
        .replace("/var/lib/accounts-replica", &replica.to_string_lossy())
}

/// `litestream replicate`, its output kept for failure messages.
struct Replicator {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Replicator {
    fn start(binary: &Path, config: &Path) -> Replicator {
        let mut child = Command::new(binary)
            .args(["replicate", "-config"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start litestream replicate");
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = Arc::clone(&output);
            thread::spawn(move || {
                let mut text = String::new();
                let mut stream = stream;
                let _ = stream.read_to_string(&mut text);
                output
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&text);
            });
        }
        Replicator { child, output }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replicator {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `litestream restore` of the configured database, to `target` or (with
/// `None`) to its own path; `Err` holds what it printed.
fn restore(binary: &Path, config: &Path, db: &Path, target: Option<&Path>) -> Result<(), String> {
    let mut command = Command::new(binary);
    command.arg("restore").arg("-config").arg(config);
    if let Some(target) = target {
        command.arg("-o").arg(target);
    }
    let output = run_with_deadline(command.arg(db), Duration::from_secs(60));
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn emails_in(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("open the restored database");
    let mut statement = conn
        .prepare("SELECT email FROM users ORDER BY id")
        .expect("query the users");
    statement
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .expect("read the users")
}

fn logs_in(app: &TestApp, email: &str) -> bool {
    app.post_json(
        "/api/token/",
        &json!({"email": email, "password": PASSWORD}),
    )
    .status
        == 200
}

/// Waits until a restore of the replica holds at least `count` users.
fn wait_for_replica(binary: &Path, config: &Path, db: &Path, count: usize) {
    let mut probes = 0;
    wait_until(
        &format!("the replica to hold {count} users"),
        REPLICA_DEADLINE,
        || {
            probes += 1;
            let probe = db.with_file_name(format!("probe-{probes}.db"));
            // Fails until Litestream has written its first snapshot.
            let holds = restore(binary, config, db, Some(&probe))
                .map(|()| emails_in(&probe).len())
                .unwrap_or(0);
            (holds >= count).then_some(())
        },
    );
}

/// Deletes what a dead disk takes: the database, its WAL and shared
/// memory, and Litestream's shadow WAL beside it.
fn lose_the_disk(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let shadow = db.with_file_name(".accounts.db-litestream");
    let _ = std::fs::remove_dir_all(shadow);
    assert!(!db.exists());
}

#[test]
fn a_database_lost_under_litestream_is_restored_and_every_restored_user_logs_in() {
    let Some(binary) = litestream() else {
        return;
    };
    let mut app = spawn_app();
    let db = app.db_path();
    let replica: PathBuf = app.dir().join("replica");
    let config = app.dir().join("litestream.yml");
    std::fs::write(&config, configuration(&db, &replica)).expect("write litestream.yml");
    let mut replicator = Replicator::start(&binary, &config);

    let settled: Vec<String> = (0..SETTLED)
        .map(|i| format!("settled{i}@example.com"))
        .collect();
    for email in &settled {
        app.register(email, PASSWORD);
    }
    wait_for_replica(&binary, &config, &db, SETTLED);
    // Registrations acknowledged one every PACE right up to the cut; the
    // pause shapes the load, it does not wait for anything.
    let last: Vec<(String, Instant)> = (0..LAST)
        .map(|i| {
            thread::sleep(PACE);
            let email = format!("last{i}@example.com");
            app.register(&email, PASSWORD);
            (email, Instant::now())
        })
        .collect();
    replicator.kill();
    app.kill();
    let cut = Instant::now();
    lose_the_disk(&db);

    if let Err(said) = restore(&binary, &config, &db, None) {
        panic!(
            "litestream restore failed: {said}\nlitestream replicate said:\n{}",
            replicator
                .output
                .lock()
                .map(|o| o.clone())
                .unwrap_or_default()
        );
    }
    let restored = emails_in(&db);
    let server = app.restart_builder().spawn();

    for email in &settled {
        assert!(
            restored.contains(email),
            "{email} was in the replica before the cut"
        );
    }
    for email in &restored {
        assert!(logs_in(&server, email), "{email} logs in after the restore");
    }
    let survived = last
        .iter()
        .take_while(|(e, _)| restored.contains(e))
        .count();
    assert!(
        last[survived..].iter().all(|(e, _)| !restored.contains(e)),
        "what survived is a prefix of what was acknowledged: {restored:?}"
    );
    let oldest_lost = last
        .get(survived)
        .map_or(Duration::ZERO, |(_, acked)| cut - *acked);
    eprintln!(
        "recovery point: {survived} of the last {LAST} acknowledged registrations \
         (one every {PACE:?}) survived; the lost ones were acknowledged at most \
         {oldest_lost:?} before the cut"
    );
}
