//! Crashes at each durable step of an ingest run, then a re-run: nothing lost, nothing
//! stored twice, the Maildir drained, the index complete. (The full fault-injection suite
//! with SIGKILL at random points belongs to the reliability work; these cover the named
//! points of the pipeline.)

use crate::util::{Workspace, assert_crashed_at, files_in, fixture_emls, ids};

fn run_with_crash(point: &str) {
    run_with_crash_in(Workspace::with_fixture_config(), point);
}

/// The fixture configuration with batches of 4: a crash then hits while the next batch
/// is already read and being prepared (the pipeline reads one batch ahead).
fn small_batches() -> Workspace {
    let config = std::fs::read_to_string(crate::util::fixture_config()).expect("fixture config");
    let (head, spaces) = config.split_at(config.find("[[space]]").expect("a space"));
    Workspace::with_config_text(&format!("{head}[store]\nbatch_size = 4\n\n{spaces}"))
}

fn run_with_crash_in(ws: Workspace, point: &str) {
    let maildir = ws.fixture_maildir();
    let dir = maildir.to_str().expect("utf-8");
    let crashed = ws
        .cmd()
        .args(["ingest", "--maildir", dir])
        .env("HUBMAIL_CRASH_AT", point)
        .output();
    assert_crashed_at(&crashed, point);

    let rerun = ws.json(&["ingest", "--maildir", dir, "--json"]);
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    let stored = all.as_array().expect("array").len() as u64;
    let emls = fixture_emls().len() as u64;
    // Two fixtures are duplicates of others: one submission fewer each, whatever the crash.
    assert_eq!(stored, emls - 2, "{point}: stored {stored}, rerun {rerun}");
    let ids = ids(&all);
    assert_eq!(
        ids,
        (1..=stored).collect::<Vec<_>>(),
        "{point}: ids are contiguous"
    );
    assert!(
        files_in(&maildir.join("new")).is_empty(),
        "{point}: new/ drained"
    );
    assert_eq!(
        files_in(&maildir.join("cur")).len() as u64,
        emls,
        "{point}: all in cur/"
    );
    let check = ws.json(&["check", "--json"]);
    assert_eq!(check["missing"], 0, "{point}: {check}");
    assert_eq!(check["extra"], 0, "{point}: {check}");
    assert_eq!(check["duplicated"], 0, "{point}: {check}");
    assert_eq!(check["indexed"], stored, "{point}: {check}");
}

#[test]
fn crashes_while_the_next_batch_is_read_ahead_lose_and_duplicate_nothing() {
    // after-store:6 is in the second batch, the third being prepared meanwhile;
    // after-flush and after-release stop after the first batch, the second read ahead;
    // before-keys:2 stops in the second batch's flush, the first batch's dedupe keys
    // applied, the second's only in the journal.
    for point in [
        "after-store:6",
        "after-flush",
        "after-release",
        "after-index",
        "before-keys:2",
        "after-keys:2",
    ] {
        run_with_crash_in(small_batches(), point);
    }
}

#[test]
fn crash_after_storing_a_message_before_the_flush() {
    run_with_crash("after-store:5");
}

#[test]
fn crash_after_the_flush_before_the_maildir_move() {
    run_with_crash("after-flush");
}

#[test]
fn crash_after_the_maildir_move_before_indexing() {
    run_with_crash("after-release");
}

#[test]
fn crash_after_indexing() {
    run_with_crash("after-index");
}

#[test]
fn crash_before_the_flush() {
    run_with_crash("before-flush");
}

/// The records are durable, their dedupe keys only in the journal: the re-run must still
/// know every message it stored (the Maildir was not released), from the journal.
#[test]
fn crash_after_the_records_are_durable_before_their_dedupe_keys() {
    run_with_crash("before-keys");
}

#[test]
fn crash_after_the_dedupe_keys_before_the_journal_is_cleared() {
    run_with_crash("after-keys");
}

/// A small seeded generator: the kill points differ between runs of the loop but not
/// between runs of the test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn bulk(ws: &Workspace, n: usize) -> std::path::PathBuf {
    let maildir = ws.maildir("contact");
    for i in 0..n {
        let body = format!(
            "From: Person {i} <p{i}@example.org>\r\nSubject: [Q1] Contribution {i}\r\n\
Message-ID: <kill-{i}@example.org>\r\nDate: Mon, 10 Jan 2022 09:00:00 +0000\r\n\r\n\
Contribution {i}: regular pathways for labour migration and lower remittance costs remain \
our first priorities for the implementation of the compact.\r\n"
        );
        std::fs::write(maildir.join(format!("new/{i:05}.eml")), body).expect("write");
    }
    maildir
}

/// Every generated message is stored exactly once, the Maildir is drained, the index and
/// the store agree.
fn assert_all_accounted(ws: &Workspace, maildir: &std::path::Path, n: usize, what: &str) {
    let all = ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]);
    let rows = all.as_array().expect("array");
    assert_eq!(rows.len(), n, "{what}: every message stored once");
    let mut subjects: Vec<String> = rows
        .iter()
        .map(|r| r["subject"].as_str().expect("subject").to_string())
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), n, "{what}: no message twice");
    assert!(
        files_in(&maildir.join("new")).is_empty(),
        "{what}: new/ drained"
    );
    assert_eq!(
        files_in(&maildir.join("cur")).len(),
        n,
        "{what}: all in cur/"
    );
    let check = ws.json(&["check", "--json"]);
    assert_eq!(check["consistent"], true, "{what}: {check}");
}

/// How many messages have left `new/` for `cur/` (each one stored and flushed first).
fn moved(maildir: &std::path::Path) -> usize {
    files_in(&maildir.join("cur")).len()
}

#[test]
fn sigkill_at_random_moments_during_ingest_loses_and_duplicates_nothing() {
    let ws = Workspace::with_config_text(
        "[store]\nbatch_size = 100\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
    );
    let n = 1200;
    let maildir = bulk(&ws, n);
    let dir = maildir.to_str().expect("utf-8");
    let mut rng = Rng(0x2026_1127);
    // Kills that landed mid-work: this run had moved messages, and some were still left.
    let mut mid_work = Vec::new();
    for _ in 0..12 {
        let before = moved(&maildir);
        let mut child = ws
            .cmd()
            .args(["ingest", "--maildir", dir])
            .into_command()
            .spawn()
            .expect("spawn");
        // Kill once this run has started moving messages (however slow the machine is to
        // start it), a random moment later.
        let started = std::time::Instant::now();
        while moved(&maildir) == before
            && child.try_wait().expect("poll").is_none()
            && started.elapsed() < std::time::Duration::from_secs(60)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(rng.next() % 400));
        if child.try_wait().expect("poll").is_some() {
            break;
        }
        let at_kill = moved(&maildir);
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        if at_kill > before && at_kill < n {
            mid_work.push(at_kill);
        }
    }
    assert!(
        mid_work.len() >= 3,
        "at least three kills landed while a run was storing messages (messages moved at \
         each: {mid_work:?}); on a machine this fast or slow, change the pauses"
    );
    ws.cmd().args(["ingest", "--maildir", dir]).ok();
    assert_all_accounted(
        &ws,
        &maildir,
        n,
        &format!("after SIGKILLs at {mid_work:?} messages"),
    );
}

#[test]
fn sigkill_at_random_moments_during_watch_loses_and_duplicates_nothing() {
    let ws = Workspace::new();
    let n = 800;
    let maildir = bulk(&ws, n);
    let config = ws.path().join("watch.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nbatch_size = 50\n\n[watch]\nmaildirs = [\"{}\"]\npoll_seconds = 1\n\n[[space]]\nid = \"c\"\ntitle = \"C\"\n",
            maildir.display()
        ),
    )
    .expect("write");
    let mut rng = Rng(0x5eed_0008);
    let mut mid_work = Vec::new();
    let stderr_path = ws.path().join("watch.stderr");
    for _ in 0..6 {
        let before = moved(&maildir);
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        let mut child = ws
            .cmd()
            .args(["--config", config.to_str().expect("utf-8"), "watch"])
            .into_command()
            .stderr(stderr)
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(200 + rng.next() % 600));
        let at_kill = moved(&maildir);
        assert!(
            child.try_wait().expect("poll").is_none(),
            "watch runs until it is stopped, but it exited: {}",
            std::fs::read_to_string(&stderr_path).unwrap_or_default()
        );
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        if at_kill > before && at_kill < n {
            mid_work.push(at_kill);
        }
        if files_in(&maildir.join("new")).is_empty() {
            break;
        }
    }
    assert!(
        !mid_work.is_empty(),
        "a kill landed while watch was storing messages (moved at each kill: {mid_work:?})"
    );
    ws.cmd()
        .args([
            "--config",
            config.to_str().expect("utf-8"),
            "watch",
            "--once",
        ])
        .ok();
    assert_all_accounted(
        &ws,
        &maildir,
        n,
        &format!("watch after SIGKILLs at {mid_work:?} messages"),
    );
}

#[test]
fn a_crash_during_a_decision_leaves_it_whole_or_untouched() {
    for point in ["before-decision", "after-decision"] {
        let ws = Workspace::with_fixture_config();
        ws.ingest_fixtures();
        let out = ws
            .cmd()
            .args(["--moderator", "amina", "approve", "2"])
            .env("HUBMAIL_CRASH_AT", point)
            .output();
        assert_crashed_at(&out, point);
        let shown = ws.json(&["show", "2", "--json"]);
        let state = shown["state"].as_str().expect("state").to_string();
        assert!(
            state == "pending" || state == "approved",
            "{point}: {state}"
        );
        let check = ws.json(&["check", "--json"]);
        assert_eq!(
            check["consistent"], true,
            "{point}: decided whole or not at all: {check}"
        );
        if point == "before-decision" {
            assert_eq!(
                state, "pending",
                "nothing was written before the transaction"
            );
        }
        // The moderator can simply decide again.
        if state == "pending" {
            ws.moderate().args(["approve", "2"]).ok();
        }
        let outbox = ws.json(&["outbox", "--json"]);
        let approvals = outbox
            .as_array()
            .expect("array")
            .iter()
            .filter(|m| m["kind"] == "approved")
            .count();
        assert_eq!(approvals, 1, "{point}: exactly one decision message");
    }
}

/// A crash while a new index is being filled (here after a schema change, simulated by
/// removing the index) leaves neither an empty index that searches take for the whole
/// nor anything missing once the next command has filled it.
#[test]
fn crash_while_filling_a_new_index() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    let count = || -> u64 {
        ws.json(&[
            "search",
            "--all",
            "--count",
            "--json",
            "migrants OR migración",
        ])["count"]
            .as_u64()
            .expect("count")
    };
    let before = count();
    assert!(before > 2, "fixtures mention migrants: {before}");
    std::fs::remove_dir_all(ws.data_dir().join("index")).expect("remove the index");
    let crashed = ws
        .cmd()
        .args(["search", "--all", "--count", "migrants"])
        .env("HUBMAIL_CRASH_AT", "before-fill-commit")
        .output();
    assert_crashed_at(&crashed, "before-fill-commit");
    assert_eq!(count(), before, "the next search fills the index");
    let check = ws.json(&["check", "--json"]);
    assert_eq!(check["missing"], 0, "{check}");
    assert_eq!(check["pending"], 0, "{check}");
}
