//! The query language's tests: what parses to what, and every error's position.

use super::*;

fn w(s: &str) -> Node {
    Node::Word(Scope::All, s.into())
}

#[test]
fn operators_and_precedence() {
    assert_eq!(parse("remittances").expect("ok"), w("remittances"));
    assert_eq!(parse("a b").expect("ok"), Node::And(vec![w("a"), w("b")]));
    assert_eq!(
        parse("a OR b c").expect("ok"),
        Node::Or(vec![w("a"), Node::And(vec![w("b"), w("c")])])
    );
    assert_eq!(
        parse("(a OR b) AND NOT c -d").expect("ok"),
        Node::And(vec![
            Node::Or(vec![w("a"), w("b")]),
            Node::Not(Box::new(w("c"))),
            Node::Not(Box::new(w("d")))
        ])
    );
    assert_eq!(
        parse("\"diaspora bonds\" subject:\"financial inclusion\" from:iom").expect("ok"),
        Node::And(vec![
            Node::Phrase(Scope::All, "diaspora bonds".into()),
            Node::Phrase(Scope::Subject, "financial inclusion".into()),
            Node::Word(Scope::From, "iom".into())
        ])
    );
    assert_eq!(
        parse("well-known").expect("ok"),
        w("well-known"),
        "a hyphen inside a word is not NOT"
    );
}

#[test]
fn prefixes() {
    assert_eq!(parse("lang:fr").expect("ok"), Node::Lang(Lang::Fr));
    assert_eq!(parse("q:2").expect("ok"), Node::Question(Some(2)));
    assert_eq!(parse("q:none").expect("ok"), Node::Question(None));
    assert_eq!(parse("objective:20").expect("ok"), Node::Objective(20));
    assert_eq!(parse("has:attachment").expect("ok"), Node::HasAttachment);
    assert_eq!(
        parse("state:rejected").expect("ok"),
        Node::State(State::Rejected)
    );
}

#[test]
fn dates() {
    let ts = |s: &str| Some(s.parse::<Timestamp>().expect("ts"));
    assert_eq!(
        parse("date:2022-02").expect("ok"),
        Node::Date(ts("2022-02-01T00:00:00Z"), ts("2022-03-01T00:00:00Z"))
    );
    assert_eq!(
        parse("date:2022-01-01..2022-02-15").expect("ok"),
        Node::Date(ts("2022-01-01T00:00:00Z"), ts("2022-02-16T00:00:00Z"))
    );
    assert_eq!(
        parse("date:..2022-02-15").expect("ok"),
        Node::Date(None, ts("2022-02-16T00:00:00Z"))
    );
    assert_eq!(
        parse("date:2022-12..").expect("ok"),
        Node::Date(ts("2022-12-01T00:00:00Z"), None)
    );
}

#[test]
fn errors_point_at_the_offending_part() {
    for (q, at, needle) in [
        ("remittances AND", 15, "ends where a word"),
        ("(a OR b", 0, "never closed"),
        ("a OR b)", 6, "closes nothing"),
        ("\"diaspora bonds", 0, "never closed"),
        ("colour:red", 0, "unknown prefix 'colour:'"),
        ("lang:pt", 0, "lang:en"),
        ("date:2022-13", 0, "not a date"),
        ("date:2022-03..2022-01", 0, "ends before"),
        ("objective:40", 0, "1 to 23"),
        ("x subject:", 2, "needs a value"),
        ("", 0, "empty"),
        ("OR b", 0, "AND/OR needs"),
        ("a NOT", 5, "ends where"),
    ] {
        let e = parse(q).expect_err(q);
        assert_eq!(e.at, at, "{q}: {e}");
        assert!(e.message.contains(needle), "{q}: {e}");
    }
    let shown = parse("(a OR b").expect_err("bad").to_string();
    assert!(shown.ends_with("  ^"), "{shown}");
}

#[test]
fn arbitrary_input_never_panics() {
    for q in [
        "\"",
        "(",
        ")",
        "-",
        "--",
        "NOT",
        "::",
        "a:b:c",
        "q:",
        "date:..",
        "((((((a",
        "é:x",
        "\"\"",
        "-)",
        "AND OR NOT",
    ] {
        // Either a query, or an error that points inside what was typed.
        if let Err(e) = parse(q) {
            let typed = q.chars().count();
            assert_eq!(e.query, q);
            assert!(!e.message.is_empty(), "{q:?}");
            assert!(
                e.len >= 1 && e.at + e.len <= typed.max(1) + 1,
                "{q:?}: {e:?}"
            );
        }
    }
}

#[test]
fn nesting_is_bounded_with_a_reason() {
    let nested = |n: usize| format!("{}remittances{}", "(".repeat(n), ")".repeat(n));
    assert!(parse(&nested(MAX_DEPTH)).is_ok());
    let e = parse(&nested(MAX_DEPTH + 1)).expect_err("too deep");
    assert!(e.message.contains("nest more than 32 deep"), "{e:?}");
    assert_eq!(e.at, MAX_DEPTH, "points at the '(' one too deep");
    let nots = format!("{}remittances", "NOT ".repeat(MAX_DEPTH + 1));
    assert!(parse(&nots).is_err());
    let minus = format!("{}remittances", "-".repeat(MAX_DEPTH + 1));
    assert!(parse(&minus).is_err());
    // Depth is counted along a path, not in total: many groups side by side are fine.
    let wide = vec!["(a OR (b -c))"; 60].join(" ");
    assert!(parse(&wide).is_ok(), "{wide}");
}

#[test]
fn length_is_bounded_with_a_reason() {
    let long = "remittances ".repeat(MAX_QUERY_CHARS / 12 + 1);
    let e = parse(&long).expect_err("too long");
    assert!(e.message.contains("at most 1000"), "{e:?}");
    assert!(parse(&long[..MAX_QUERY_CHARS - 1]).is_ok());
}
