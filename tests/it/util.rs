//! The test harness: a temporary workspace and a builder for `hubmail` commands.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository's root (for fixtures).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture consultation's configuration.
pub fn fixture_config() -> PathBuf {
    repo().join("fixtures/hubmail.toml")
}

/// The fixture mail folder.
pub fn fixture_mail() -> PathBuf {
    repo().join("fixtures/mail")
}

/// A temporary workspace with a data directory and helpers to build mailboxes.
pub struct Workspace {
    dir: tempfile::TempDir,
    config: Option<PathBuf>,
}

impl Workspace {
    /// An empty workspace using the embedded default configuration.
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("create a temporary directory"),
            config: None,
        }
    }

    /// A workspace using the fixture consultation's configuration.
    pub fn with_fixture_config() -> Workspace {
        let mut ws = Workspace::new();
        ws.config = Some(fixture_config());
        ws
    }

    /// A workspace with a configuration written from text.
    pub fn with_config_text(text: &str) -> Workspace {
        let mut ws = Workspace::new();
        let path = ws.path().join("hubmail.toml");
        std::fs::write(&path, text).expect("write config");
        ws.config = Some(path);
        ws
    }

    /// The workspace's root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The configuration file in use, if any.
    pub fn config_path(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// The data directory the commands use.
    pub fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    /// Creates an empty Maildir named `name` and returns its path.
    pub fn maildir(&self, name: &str) -> PathBuf {
        let root = self.path().join(name);
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(root.join(sub)).expect("create maildir");
        }
        root
    }

    /// A Maildir holding copies of all fixture messages in `new/`.
    pub fn fixture_maildir(&self) -> PathBuf {
        let root = self.maildir("contact");
        for eml in fixture_emls() {
            let name = eml.file_name().expect("file name");
            std::fs::copy(&eml, root.join("new").join(name)).expect("copy fixture");
        }
        root
    }

    /// The fixture Maildir ingested; returns the Maildir.
    pub fn ingest_fixtures(&self) -> PathBuf {
        let maildir = self.fixture_maildir();
        self.cmd().arg("ingest").arg("--maildir").arg(&maildir).ok();
        maildir
    }

    /// `ingest --maildir DIR --json`, which must succeed; returns its summary.
    pub fn ingest_json(&self, maildir: &Path) -> serde_json::Value {
        let dir = maildir.to_str().expect("utf-8");
        self.json(&["ingest", "--maildir", dir, "--json"])
    }

    /// A command run by the moderator "amina".
    pub fn moderate(&self) -> Hubmail {
        self.cmd().args(["--moderator", "amina"])
    }

    /// A `hubmail` command with `--data-dir` (and `--config`) set.
    pub fn cmd(&self) -> Hubmail {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubmail"));
        command
            .current_dir(self.path())
            .arg("--data-dir")
            .arg(self.data_dir())
            .env_remove("HUBMAIL_CONFIG")
            .env_remove("HUBMAIL_DATA_DIR")
            .env_remove("HUBMAIL_CRASH_AT")
            .env("NO_COLOR", "1");
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        Hubmail {
            command,
            stdin: None,
        }
    }

    /// Runs `hubmail ARGS --json`-style commands and parses stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd().args(args).ok();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of {args:?} is not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// The fixture `.eml` files, sorted.
pub fn fixture_emls() -> Vec<PathBuf> {
    let mut emls: Vec<PathBuf> = std::fs::read_dir(fixture_mail())
        .expect("fixtures/mail exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    emls.sort();
    emls
}

/// A command being built.
pub struct Hubmail {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl Hubmail {
    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Feeds bytes on standard input.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// The underlying command, for tests that manage the process themselves.
    pub fn into_command(self) -> Command {
        self.command
    }

    /// Runs and returns the output, whatever the exit code.
    pub fn output(mut self) -> Output {
        self.command
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("spawn hubmail");
        if let Some(bytes) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("stdin piped");
            stdin.write_all(&bytes).expect("write stdin");
        }
        child.wait_with_output().expect("wait for hubmail")
    }

    /// Runs and asserts success.
    pub fn ok(self) -> Output {
        let out = self.output();
        assert!(
            out.status.success(),
            "hubmail failed with {:?}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

/// The `id` of every object of a JSON array (queue rows, search hits).
pub fn ids(value: &serde_json::Value) -> Vec<u64> {
    value
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|r| r["id"].as_u64().expect("an id"))
        .collect()
}

/// Files in a Maildir subfolder.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Asserts that a command died at the crash point `point` (`name` or `name:N`): the line
/// `crashpoint::hit` prints, then SIGABRT, not any other failure.
pub fn assert_crashed_at(out: &Output, point: &str) {
    use std::os::unix::process::ExitStatusExt;
    let name = point.split(':').next().unwrap_or(point);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        Some(6),
        "{point}: the process did not abort at the crash point ({:?})\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains(&format!(
            "hubmail: crash point {name} reached (HUBMAIL_CRASH_AT), aborting"
        )),
        "{point}: the abort was not the crash point's\n{stderr}"
    );
}

/// Headless Chromium run with `args`, with a profile of its own.
pub fn chromium(args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().expect("profile dir");
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("chromium is installed (scripts/test.sh installs Debian's chromium)")
}

/// Runs one of the repository's Python scripts (`scripts/NAME`) with Debian's python3,
/// which must succeed.
pub fn run_script(name: &str, args: &[&std::ffi::OsStr]) {
    let out = Command::new("/usr/bin/python3")
        .arg(repo().join("scripts").join(name))
        .args(args)
        .output()
        .expect("Debian's python3 is installed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "scripts/{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
