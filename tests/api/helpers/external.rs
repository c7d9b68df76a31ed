//! Programs some tests need besides the binary: Debian's Chromium with
//! playwright-core (browser tests) and Litestream (replication test).
//! `.ci/run` installs them; elsewhere a test without them says so loudly on
//! stderr and passes, unless its `ACCOUNTS_TEST_REQUIRE_*` variable is set,
//! as CI sets it, in which case it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Where `.ci/run` installs the npm packages the tests use.
fn tools_dir() -> PathBuf {
    std::env::var_os("ACCOUNTS_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/tools"))
}

/// `None` after saying loudly why, or a panic when `require` is set.
fn unavailable<T>(what: &str, require: &str) -> Option<T> {
    if std::env::var(require).is_ok_and(|v| v == "1") {
        panic!("{what}, and {require}=1 requires it; run .ci/run to install it");
    }
    eprintln!("SKIPPED: {what} (set {require}=1 to make this a failure; .ci/run installs it)");
    None
}

fn runs(program: &Path, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Headless Chromium driven by `tests/browser/drive.cjs`.
pub struct Browser {
    chromium: PathBuf,
    node_modules: PathBuf,
}

impl Browser {
    /// Chromium, Node.js and playwright-core, or `None` (see the module).
    pub fn find() -> Option<Browser> {
        const REQUIRE: &str = "ACCOUNTS_TEST_REQUIRE_BROWSER";
        let chromium = std::env::var_os("ACCOUNTS_TEST_CHROMIUM")
            .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
        if !chromium.exists() {
            return unavailable(&format!("no Chromium at {}", chromium.display()), REQUIRE);
        }
        if !runs(Path::new("node"), "--version") {
            return unavailable("no Node.js (node) on PATH", REQUIRE);
        }
        let node_modules = tools_dir().join("node_modules");
        if !node_modules.join("playwright-core").exists() {
            return unavailable(
                &format!("no playwright-core in {}", node_modules.display()),
                REQUIRE,
            );
        }
        Some(Browser {
            chromium,
            node_modules,
        })
    }

    /// Runs one scenario of `drive.cjs` with a new empty profile under
    /// `dir`, and returns its report. One browser at a time: the suite runs
    /// tests in parallel on few cores, and a browser is the heaviest guest.
    pub fn run(&self, scenario: &str, mut args: Value, dir: &Path) -> Value {
        static PROFILES: AtomicU64 = AtomicU64::new(0);
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let profile = dir.join(format!(
            "chromium-profile-{}",
            PROFILES.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile).expect("create an empty Chromium profile");
        args["chromium"] = self.chromium.to_string_lossy().into();
        args["profile"] = profile.to_string_lossy().into();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/drive.cjs");
        let output = run_with_deadline(
            Command::new("node")
                .arg(script)
                .arg(scenario)
                .arg(args.to_string())
                .env("NODE_PATH", &self.node_modules),
            Duration::from_secs(90),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "the browser scenario {scenario} failed: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        let last = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: not a report: {stdout}"))
    }
}

/// The Litestream binary (from the npm package `.ci/run` installs).
pub fn litestream() -> Option<PathBuf> {
    const REQUIRE: &str = "ACCOUNTS_TEST_REQUIRE_LITESTREAM";
    let binary = std::env::var_os("ACCOUNTS_TEST_LITESTREAM").map_or_else(
        || tools_dir().join("node_modules/@flydotio/litestream-linux-x64/litestream"),
        PathBuf::from,
    );
    if !runs(&binary, "version") {
        return unavailable(&format!("no Litestream at {}", binary.display()), REQUIRE);
    }
    Some(binary)
}

/// Runs a command to its end, killing it after `deadline`.
pub fn run_with_deadline(command: &mut Command, deadline: Duration) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll a child process") {
            break status;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn drain(stream: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_end(&mut bytes);
        }
        bytes
    })
}
