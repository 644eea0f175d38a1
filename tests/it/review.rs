//! `hubmail review` driven through a real pseudo-terminal, key by key.

use crate::util::Workspace;

fn state(ws: &Workspace, id: u64) -> String {
    ws.json(&["show", &id.to_string(), "--json"])["state"]
        .as_str()
        .expect("state")
        .to_string()
}

/// Types one key (a send is buffered until flushed).
fn key(p: &mut rexpect::session::PtySession, k: &str) {
    p.send(k).expect("send");
    p.flush().expect("flush");
}

#[test]
fn review_approves_rejects_skips_and_quits_with_single_keys() {
    let ws = Workspace::with_fixture_config();
    ws.ingest_fixtures();
    let editor = ws.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/^Subject: .*/Subject: Corrected in review/' \"$1\"\n",
    )
    .expect("write editor");
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let mut command = ws
        .cmd()
        .args(["--moderator", "amina", "review"])
        .env("TERM", "xterm")
        .env("VISUAL", &editor)
        .into_command();
    command.env("COLUMNS", "100");
    let mut p = rexpect::session::spawn_command(command, Some(20_000)).expect("spawn in a pty");

    // 1: shown, approved with 'a'.
    p.exp_string("[Q1] Priorities for GCM implementation")
        .expect("first submission shown");
    p.exp_string("[a]pprove [r]eject [n] question [t]ype [e]dit [s]kip [q]uit [?]")
        .expect("prompt");
    key(&mut p, "?");
    p.exp_string("to type your own reason").expect("help");
    p.exp_string("[a]pprove").expect("prompt again");
    key(&mut p, "a");
    p.exp_string("approved submission 1").expect("approved");

    // 2: rejected as spam with 'r' then '4'.
    // rexpect reads bytes as Latin-1: expectations stay ASCII.
    p.exp_string("la question 2 : inclusion")
        .expect("second submission shown");
    p.exp_string("[a]pprove").expect("prompt");
    key(&mut p, "r");
    p.exp_string("[1] off-topic").expect("reason menu");
    key(&mut p, "4");
    p.exp_string("rejected submission 2").expect("rejected");

    // 3: a question that does not exist is refused; assigned to question 2 with 'n',
    // shown again with it, typed with 't', then skipped.
    p.exp_string("Pregunta 3").expect("third");
    p.exp_string("[a]pprove").expect("prompt");
    key(&mut p, "n");
    p.exp_string("Question (a number").expect("asks which");
    p.send_line("9").expect("send");
    p.exp_string("has no question 9").expect("refused");
    p.exp_string("[a]pprove").expect("prompt again");
    key(&mut p, "n");
    p.exp_string("Question (a number").expect("asks which");
    p.send_line("2").expect("send");
    p.exp_string("submission 3").expect("assigned");
    p.exp_string("Question:  gcm-review question 2")
        .expect("shown again, assigned");
    p.exp_string("[a]pprove").expect("prompt");
    // Its type set with 't': a word that is no type is refused, then academia.
    key(&mut p, "t");
    p.exp_string("Type (member-state").expect("asks which");
    p.send_line("charity").expect("send");
    p.exp_string("not set").expect("refused");
    p.exp_string("[a]pprove").expect("prompt again");
    key(&mut p, "t");
    p.exp_string("Type (member-state").expect("asks which");
    p.send_line("academia").expect("send");
    p.exp_string("submission 3's type is now academia")
        .expect("set");
    p.exp_string("Type:      academia (set by")
        .expect("shown again, typed");
    p.exp_string("[a]pprove").expect("prompt");
    key(&mut p, "s");
    p.exp_string("Remittances and mobile money")
        .expect("fourth");
    p.exp_string("[a]pprove").expect("prompt");
    key(&mut p, "r");
    p.exp_string("[t]ype your own").expect("menu");
    key(&mut p, "t");
    p.exp_string("Reason for the contributor:")
        .expect("asks for text");
    p.send_line("Please send the full paper").expect("send");
    p.exp_string("rejected submission 4").expect("rejected");
    // 5: edited in $VISUAL, shown again with the change, then quit.
    p.exp_string("[a]pprove").expect("prompt");
    key(&mut p, "e");
    p.exp_string("stored revision 2 of submission 5")
        .expect("edited");
    p.exp_string("#5 Corrected in review")
        .expect("shown again, edited");
    p.exp_string("[a]pprove").expect("prompt");
    key(&mut p, "q");
    p.exp_string("reviewed: 3 decided, 1 skipped")
        .expect("summary");
    p.exp_eof().expect("exits");

    assert_eq!(state(&ws, 1), "approved");
    assert_eq!(state(&ws, 2), "rejected");
    assert_eq!(
        ws.json(&["show", "2", "--json"])["decision"]["code"],
        "spam"
    );
    assert_eq!(state(&ws, 3), "pending");
    assert_eq!(ws.json(&["show", "3", "--json"])["question"], 2);
    assert_eq!(
        ws.json(&["show", "4", "--json"])["decision"]["reason"],
        "Please send the full paper"
    );
    assert_eq!(state(&ws, 5), "pending");
    assert_eq!(
        ws.json(&["show", "5", "--json"])["subject"],
        "Corrected in review"
    );
}
