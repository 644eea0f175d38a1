//! Every user error says what is wrong and what to do next, and exits non-zero.

use crate::util::Workspace;

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unknown_id_names_the_next_step() {
    let ws = Workspace::new();
    ws.cmd().args(["init"]).ok();
    let out = ws.cmd().args(["show", "42"]).output();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("no submission 42"), "{err}");
    assert!(err.contains("hubmail queue"), "{err}");
}

#[test]
fn ingest_without_a_source_says_which_to_give() {
    let ws = Workspace::new();
    let out = ws.cmd().args(["ingest"]).output();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("--maildir DIR"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_folder_that_is_not_a_maildir_is_explained() {
    let ws = Workspace::new();
    let out = ws.cmd().args(["ingest", "--maildir", "."]).output();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("not a Maildir") && err.contains("mkdir -p"),
        "{err}"
    );
}

#[test]
fn a_config_typo_names_the_field() {
    let ws = Workspace::with_config_text("[limits]\nmax_mesage_bytes = 10\n");
    let out = ws.cmd().args(["queue"]).output();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("max_mesage_bytes") && err.contains("hubmail.toml"),
        "{err}"
    );
}

#[test]
fn a_usage_error_exits_two() {
    let ws = Workspace::new();
    let out = ws.cmd().args(["queue", "--state", "nonsense"]).output();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_data_directory_without_a_store_is_an_error_not_an_empty_consultation() {
    let ws = Workspace::new();
    for args in [
        &["queue"][..],
        &["show", "1"][..],
        &["search", "remittances"][..],
        &["stats"][..],
        &["check"][..],
        &["sender", "list"][..],
        &[
            "--moderator",
            "amina",
            "sender",
            "ban",
            "@spam.example",
            "--reason",
            "spam",
        ][..],
        &["log"][..],
        &["publish"][..],
    ] {
        let out = ws.cmd().args(args).output();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains("no hubmail store in")
                && err.contains("--data-dir")
                && err.contains("hubmail init"),
            "{args:?}: {err}"
        );
        assert!(
            !ws.data_dir().exists(),
            "{args:?} created {}",
            ws.data_dir().display()
        );
    }
    let out = ws.cmd().args(["init"]).ok();
    assert!(String::from_utf8_lossy(&out.stdout).contains("a new store"));
    let queue = ws.cmd().args(["queue"]).ok();
    assert!(String::from_utf8_lossy(&queue.stdout).contains("no pending submissions"));
}

#[test]
fn a_malformed_pinned_clock_is_refused() {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["init"])
        .env("HUBMAIL_NOW", "yesterday at noon")
        .output();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("HUBMAIL_NOW") && err.contains("RFC 3339"),
        "{err}"
    );
}
