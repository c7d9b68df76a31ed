//! A full disk, for real: the database lives on a small tmpfs that the test
//! fills to the last byte. Writes are answered 503 with `Retry-After` (never
//! 500), `/health` says 503, the mail sender does not resend a message whose
//! delivery it cannot record, and everything recovers once space is freed.
//!
//! Mounting needs root. CI runs as root; elsewhere the test says why it
//! skips and passes.

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{MAIL_DEADLINE, PASSWORD, TestApp, wait_until};

/// Room for the database and its WAL, small enough to fill in a moment.
const TMPFS_SIZE: &str = "4m";
/// Mount points are `<temp dir>/<prefix><test process id>-<n>`.
const MOUNT_PREFIX: &str = "accounts-full-disk-";

/// A tmpfs mounted on a fresh directory, unmounted and removed on drop.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    /// `None` (after saying why) when not running as root.
    fn mount() -> Option<Tmpfs> {
        if !running_as_root() {
            eprintln!("not running as root: cannot mount a tmpfs, skipping the full-disk test");
            return None;
        }
        unmount_leftovers_of_killed_runs();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "{MOUNT_PREFIX}{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create the mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={TMPFS_SIZE},mode=0700")])
            .arg("tmpfs")
            .arg(&path)
            .status()
            .expect("run mount(8)");
        assert!(status.success(), "mount -t tmpfs failed as root: {status}");
        Some(Tmpfs { path })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a filler file until the file system refuses with ENOSPC.
    fn fill(&self) -> PathBuf {
        let filler = self.path.join("filler");
        let mut file = File::create(&filler).expect("create the filler file");
        let chunk = vec![0xA5u8; 64 * 1024];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!("filling the tmpfs failed with {e}, not ENOSPC"),
            }
        }
        // Byte by byte into the last partial page, so not one byte is left.
        while let Ok(1) = file.write(&[0xA5]) {}
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        unmount(&self.path);
    }
}

fn unmount(path: &Path) {
    let unmounted = Command::new("umount")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !unmounted {
        // Still busy (a server that outlived the test): detach it lazily.
        let _ = Command::new("umount").arg("-l").arg(path).status();
    }
    let _ = std::fs::remove_dir(path);
}

/// A test process killed mid-test (a timeout, Ctrl-C) never runs its drop
/// guards: unmount what such processes left, found by their dead pid.
fn unmount_leftovers_of_killed_runs() {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let prefix = std::env::temp_dir().join(MOUNT_PREFIX);
    let prefix = prefix.to_string_lossy();
    for point in mounts.lines().filter_map(|l| l.split(' ').nth(1)) {
        let Some(rest) = point.strip_prefix(prefix.as_ref()) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !Path::new("/proc").join(pid).exists() {
            unmount(Path::new(point));
        }
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Log lines of the sender failing to record a delivered mail.
fn failed_delivery_records(app: &TestApp) -> usize {
    app.log
        .lines()
        .iter()
        .filter(|l| l.contains("recording a delivered mail"))
        .count()
}

/// A server whose database lives on `disk`.
fn spawn_on(disk: &Tmpfs) -> TestApp {
    TestApp::builder()
        .env(
            "ACCOUNTS_DB",
            disk.path().join("accounts.db").to_string_lossy(),
        )
        .spawn()
}

fn register_answer(app: &TestApp, email: &str) -> crate::helpers::TestResponse {
    app.post_json(
        "/api/register/",
        &json!({"email": email, "password": PASSWORD}),
    )
}

#[test]
fn a_write_on_a_full_disk_is_a_503_with_retry_after_and_health_is_503_until_space_is_freed() {
    let Some(disk) = Tmpfs::mount() else {
        return;
    };
    let app = spawn_on(&disk);
    app.register("alice@example.com", PASSWORD);
    app.assert_alive();

    let filler = disk.fill();

    let refused = register_answer(&app, "bob@example.com");
    refused.assert_json(
        503,
        json!({"detail": "The service is busy. Try again shortly."}),
    );
    let retry_after = refused.header("Retry-After").unwrap_or("");
    assert!(
        retry_after.parse::<u64>().is_ok_and(|s| s > 0),
        "Retry-After: {retry_after:?}"
    );
    app.get("/health")
        .assert_json(503, json!({"status": "unavailable"}));

    std::fs::remove_file(filler).expect("free the space");

    wait_until("/health to answer 200", Duration::from_secs(10), || {
        (app.get("/health").status == 200).then_some(())
    });
    register_answer(&app, "bob@example.com").assert_status(201);
    app.mail.wait_for_delivery_to("bob@example.com");
}

#[test]
fn a_mail_delivered_while_its_delivery_cannot_be_recorded_is_not_sent_again() {
    let Some(disk) = Tmpfs::mount() else {
        return;
    };
    let app = spawn_on(&disk);
    app.register("alice@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("alice@example.com");
    // Bob's confirmation waits in the outbox while the provider is down.
    app.mail.fail_all(503);
    app.register("bob@example.com", PASSWORD);
    app.mail.wait_for_attempts_to("bob@example.com", 1);

    let filler = disk.fill();
    // The provider is back: Bob's mail goes out, but its delivery cannot be
    // recorded. A failed record must not turn into another delivery.
    app.mail.recover();
    app.mail.wait_for_delivery_to("bob@example.com");
    wait_until(
        "three failed attempts to record Bob's delivery",
        MAIL_DEADLINE,
        || (failed_delivery_records(&app) >= 3).then_some(()),
    );
    assert_eq!(
        app.mail.deliveries_to("bob@example.com").len(),
        1,
        "Bob's mail was delivered again while the disk was full"
    );

    std::fs::remove_file(filler).expect("free the space");

    app.register("carol@example.com", PASSWORD);
    app.mail.wait_for_delivery_to("carol@example.com");
    for email in ["alice@example.com", "bob@example.com", "carol@example.com"] {
        assert_eq!(
            app.mail.deliveries_to(email).len(),
            1,
            "mails delivered to {email}"
        );
    }
}
