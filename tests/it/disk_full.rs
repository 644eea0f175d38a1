//! A full disk: the data directory on a small tmpfs. The MTA pipe gets exit 75 and a clear
//! message, nothing is corrupted, and ingestion resumes once there is space again.
//! (Needs root to mount, as the test command runs.)

use std::process::Command;

use crate::util::Workspace;

struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(path: &std::path::Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(path).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (run the test command as root)"
        );
        Tmpfs(path.to_path_buf())
    }

    fn grow(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .expect("remount");
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A contribution with an incompressible attachment, so the disk fills quickly.
fn message(i: u32) -> Vec<u8> {
    let mut noise = Vec::with_capacity(300_000);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ u64::from(i);
    while noise.len() < 300_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b64: String = noise
        .chunks(3)
        .map(|c| T[(c[0] as usize) % 64] as char)
        .collect();
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).expect("ascii"))
        .collect();
    format!(
        "From: P{i} <p{i}@example.org>\r\nSubject: [Q1] paper {i}\r\nMessage-ID: <full-{i}@example.org>\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\n\
Contribution {i} on labour migration pathways, with our paper attached.\r\n--z\r\n\
Content-Type: application/pdf; name=paper.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--z--\r\n",
        lines.join("\r\n")
    )
    .into_bytes()
}

#[test]
fn a_full_disk_is_a_temporary_failure_and_ingestion_resumes() {
    let ws = Workspace::new();
    let data = ws.data_dir();
    let disk = Tmpfs::mount(&data, "6m");
    let mut stored = 0;
    let mut failed = None;
    for i in 0..200 {
        let out = ws.cmd().args(["ingest", "-"]).stdin(message(i)).output();
        match out.status.code() {
            Some(0) => stored += 1,
            Some(75) => {
                failed = Some((i, String::from_utf8_lossy(&out.stderr).into_owned()));
                break;
            }
            other => panic!(
                "message {i}: exit {other:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    let (at, message_text) = failed.expect("the disk filled up");
    assert!(stored > 0, "some messages fit");
    assert!(
        message_text.contains("No space left on device") || message_text.contains("os error 28"),
        "the error says why: {message_text}"
    );

    disk.grow("64m");
    // The message that did not fit is delivered again by the MTA, and is stored once.
    ws.cmd().args(["ingest", "-"]).stdin(message(at)).ok();
    ws.cmd().args(["ingest", "-"]).stdin(message(at + 1)).ok();
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(stored + 2),
        "nothing lost, nothing twice"
    );
    let check = ws.json(&["check", "--json"]);
    assert_eq!(check["consistent"], true, "{check}");
    let raw = ws.cmd().args(["show", "1", "--raw"]).ok().stdout;
    assert_eq!(raw, message(0), "stored mail is intact");
}
