//! `hubmail attachment`: a moderator opens an attachment before deciding. The saved bytes
//! are the attachment's own (compared with mail-parser's decoding of the fixture), also
//! when the attachment was too large to be stored apart; names never leave the folder and
//! never overwrite a file.

use crate::util::{Workspace, fixture_mail};

const FIXTURE: &str = "06-en-pdf-attachment.eml";

/// The fixture's attachment, decoded independently of hubmail.
fn expected_bytes() -> Vec<u8> {
    let raw = std::fs::read(fixture_mail().join(FIXTURE)).expect("fixture");
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("the fixture parses");
    message
        .attachment(0)
        .expect("an attachment")
        .contents()
        .to_vec()
}

fn ingested(config: &str) -> Workspace {
    let ws = Workspace::with_config_text(config);
    ws.cmd()
        .args(["ingest", "-"])
        .stdin(std::fs::read(fixture_mail().join(FIXTURE)).expect("fixture"))
        .ok();
    ws
}

const CONFIG: &str = "[[space]]\nid = \"c\"\ntitle = \"C\"\n";

#[test]
fn a_moderator_lists_and_saves_an_attachment_byte_for_byte() {
    let ws = ingested(CONFIG);
    let listed = String::from_utf8(ws.cmd().args(["attachment", "1"]).ok().stdout).expect("utf-8");
    let expected = expected_bytes();
    assert!(expected.starts_with(b"%PDF"), "the fixture holds a PDF");
    assert_eq!(
        listed,
        format!(
            "1. ITUC position paper.pdf (application/pdf, {} bytes)\n",
            expected.len()
        )
    );
    let shown = String::from_utf8(ws.cmd().args(["show", "1"]).ok().stdout).expect("utf-8");
    assert!(
        shown.contains("Attachment 1: ITUC position paper.pdf")
            && shown.contains("hubmail attachment 1 N --save PATH"),
        "{shown}"
    );
    let target = ws.path().join("paper.pdf");
    ws.cmd()
        .args(["attachment", "1", "1", "--save"])
        .arg(&target)
        .ok();
    assert_eq!(std::fs::read(&target).expect("saved"), expected);

    // Never over an existing file.
    std::fs::write(&target, b"mine").expect("write");
    let out = ws
        .cmd()
        .args(["attachment", "1", "1", "--save"])
        .arg(&target)
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("exists already"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&target).expect("kept"), b"mine");

    // No such attachment: said so.
    let out = ws
        .cmd()
        .args(["attachment", "1", "2", "--save"])
        .arg(ws.path().join("two.pdf"))
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has 1 attachment: there is no attachment 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn save_all_keeps_names_inside_the_folder_and_never_overwrites() {
    let ws = ingested(CONFIG);
    let dir = ws.path().join("papers");
    // The declared name is "../../ITUC position paper.pdf".
    for _ in 0..2 {
        ws.cmd()
            .args(["attachment", "1", "--save-all"])
            .arg(&dir)
            .ok();
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["ITUC position paper (2).pdf", "ITUC position paper.pdf"]
    );
    assert!(!ws.path().join("ITUC position paper.pdf").exists());
    assert_eq!(
        std::fs::read(dir.join("ITUC position paper (2).pdf")).expect("saved"),
        expected_bytes()
    );
}

#[test]
fn an_attachment_kept_only_inside_its_message_is_still_saved() {
    let ws = ingested(&format!("[limits]\nmax_attachment_bytes = 100\n\n{CONFIG}"));
    assert_eq!(
        ws.json(&["show", "1", "--json"])["attachments"][0]["stored"],
        false
    );
    let target = ws.path().join("paper.pdf");
    ws.cmd()
        .args(["attachment", "1", "1", "--save"])
        .arg(&target)
        .ok();
    assert_eq!(std::fs::read(&target).expect("saved"), expected_bytes());
}
