//! The worker subprocess: started in a process group (and, where the system allows, a
//! network namespace) of its own, fed the file, given a wall-clock limit after which the
//! whole group is killed; inside, its own resource limits set before it reads anything.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{Extraction, Kind};
use crate::config::Limits;

/// Whether `unshare --net` (util-linux) can give a process a network of its own here:
/// it needs root, or unprivileged user namespaces (`--map-root-user`). Tried once.
fn network_isolation() -> Option<&'static [&'static str]> {
    static WAY: OnceLock<Option<&'static [&'static str]>> = OnceLock::new();
    *WAY.get_or_init(|| {
        const WAYS: [&[&str]; 2] = [&["--net"], &["--map-root-user", "--net"]];
        WAYS.into_iter().find(|args| {
            Command::new("unshare")
                .args(*args)
                .arg("true")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    })
}

/// Runs the worker on `bytes`; the outcome, or why the worker gave none.
pub(super) fn run(
    program: &Path,
    kind: Kind,
    limits: &Limits,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Extraction, String> {
    let limits_json = serde_json::to_string(limits).map_err(|e| format!("the limits: {e}"))?;
    let mut command = match network_isolation() {
        Some(args) => {
            let mut c = Command::new("unshare");
            c.args(args).arg("--").arg(program);
            c
        }
        None => Command::new(program),
    };
    command
        .args(["extract-worker", kind.as_str(), "--limits", &limits_json])
        // mimalloc reserves a GiB of address space up front, which the memory limit counts:
        // the worker allocates as it goes instead (VmData 1 GB -> 5 MB at start).
        .env("MIMALLOC_ARENA_RESERVE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("starting the extraction worker: {e}"))?;
    let group = child.id();
    let input = bytes.to_vec();
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            // A worker that stops reading (it failed early) closes the pipe: no matter.
            let _ = stdin.write_all(&input);
        }
    });
    let cap = (limits.extract_max_chars as u64).saturating_mul(8) + 64 * 1024;
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(stdout) = stdout {
            let _ = stdout.take(cap).read_to_end(&mut out);
        }
        out
    });
    let stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        let mut err = Vec::new();
        if let Some(stderr) = stderr {
            let _ = stderr.take(8 * 1024).read_to_end(&mut err);
        }
        err
    });
    // A thread waits for the worker, so its end is noticed at once; this one waits for
    // that thread only as long as the time limit.
    let (ended, end) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = ended.send(());
        status
    });
    let in_time = end.recv_timeout(timeout).is_ok();
    // The worker and whatever it started (pdftotext) go together.
    if let Some(pid) = rustix::process::Pid::from_raw(group as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let status = match waiter.join() {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => return Err(format!("waiting for the extraction worker: {e}")),
        Err(_) => return Err("waiting for the extraction worker failed".into()),
    };
    if !in_time {
        return Err(format!(
            "reading it took longer than {} s ([limits] extract_seconds)",
            timeout.as_secs()
        ));
    }
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = errors.join().unwrap_or_default();
    if let Some(line) = out.split(|b| *b == b'\n').find(|l| !l.is_empty())
        && let Ok(extraction) = serde_json::from_slice::<Extraction>(line)
    {
        return Ok(extraction);
    }
    Err(died(status, &err, limits))
}

/// Why a worker gave no outcome, from how it ended.
fn died(status: std::process::ExitStatus, stderr: &[u8], limits: &Limits) -> String {
    use std::os::unix::process::ExitStatusExt;
    let said = String::from_utf8_lossy(stderr);
    let last = said
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if said.contains("memory allocation")
        || said.contains("bad_alloc")
        || said.contains("out of memory")
    {
        return format!(
            "it needed more than {} MB of memory ([limits] extract_memory_mb)",
            limits.extract_memory_mb
        );
    }
    match status.signal() {
        // SIGXCPU: the CPU-time limit.
        Some(24) => format!(
            "it used more than {} s of CPU ([limits] extract_seconds)",
            limits.extract_seconds
        ),
        Some(signal) => format!(
            "the extraction worker was killed by signal {signal}{}",
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        ),
        None => format!(
            "the extraction worker failed{}",
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        ),
    }
}

/// In the worker, before reading anything: memory (data segment: heap and anonymous
/// mappings), CPU seconds, the size of any file written, open files.
pub(super) fn limit_self(limits: &Limits) -> Result<(), String> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let set = |resource: Resource, value: u64, what: &str| {
        setrlimit(
            resource,
            Rlimit {
                current: Some(value),
                maximum: Some(value),
            },
        )
        .map_err(|e| format!("limiting the worker's {what}: {e}"))
    };
    set(
        Resource::Data,
        limits.extract_memory_mb.saturating_mul(1024 * 1024),
        "memory",
    )?;
    // SIGXCPU at the soft limit (said as such), SIGKILL a second later.
    let cpu = limits.extract_seconds.max(1);
    setrlimit(
        Resource::Cpu,
        Rlimit {
            current: Some(cpu),
            maximum: Some(cpu + 1),
        },
    )
    .map_err(|e| format!("limiting the worker's CPU time: {e}"))?;
    set(
        Resource::Fsize,
        limits.max_attachment_bytes.saturating_add(1024 * 1024),
        "file size",
    )?;
    set(Resource::Nofile, 64, "open files")?;
    Ok(())
}
