//! Routing from how people write, through the binary: every phrasing the routing names, in
//! each language, in the subject or the text's opening; two questions named; a question's
//! title repeated; and a reply to an earlier contribution, which goes where that one went
//! and is linked to it as its parent.

use crate::util::{Workspace, ids};

/// A plain message from `from` with this subject, body and extra headers.
fn message(n: usize, subject: &str, body: &str, headers: &str) -> String {
    format!(
        "From: Contributor {n} <c{n}@example.net>\r\n\
         To: contact@consultation.example.org\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 10 Jan 2022 09:{:02}:00 +0100\r\n\
         Message-ID: <routing-{n}@example.net>\r\n{headers}\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        n % 60
    )
}

/// Ingests these messages (one Maildir file each, named in order) and returns, per
/// message, its question number (0 when unassigned), how it was routed and its parent.
fn routed(ws: &Workspace, messages: &[String]) -> Vec<(u64, String, Option<u64>)> {
    let dir = ws.maildir(&format!("mail-{}", std::process::id()));
    for (i, m) in messages.iter().enumerate() {
        std::fs::write(dir.join("new").join(format!("{i:04}.eml")), m).expect("write");
    }
    let all = || ids(&ws.json(&["queue", "--state", "all", "--limit", "0", "--json"]));
    let before = if ws.data_dir().exists() {
        all()
    } else {
        Vec::new()
    };
    ws.ingest_json(&dir);
    let mut new: Vec<u64> = all()
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    new.sort_unstable();
    new.into_iter()
        .map(|id| {
            let s = ws.json(&["show", &id.to_string(), "--json"]);
            (
                s["question"].as_u64().unwrap_or(0),
                s["routed_by"].as_str().unwrap_or_default().to_string(),
                s["parent"].as_u64(),
            )
        })
        .collect()
}

const FILLER: &str = "Nous pensons que les coûts restent trop élevés pour les familles.\r\n\
    We think costs remain too high for families.\r\n";

#[test]
fn every_phrasing_routes_in_each_language() {
    // (where, phrasing, question): in the subject ("s") or the text's first lines ("b").
    let cases: &[(&str, &str, u64)] = &[
        // English
        (
            "b",
            "In response to question 2, we would like to share the following.",
            2,
        ),
        ("b", "Regarding Q.2, our views are below.", 2),
        ("b", "Our answer to the third question is below.", 3),
        ("s", "Contribution to the second question", 2),
        ("b", "On question no. 3: the diaspora matters.", 3),
        // French
        (
            "b",
            "Pour répondre à la troisième question, voici notre contribution.",
            3,
        ),
        (
            "b",
            "En réponse à la question n° 2, nous souhaitons partager ceci.",
            2,
        ),
        ("s", "Contribution à la deuxième question", 2),
        (
            "b",
            "Concernant la question 3, nous rappelons le rôle de la diaspora.",
            3,
        ),
        ("b", "Au sujet de la première question : les priorités.", 1),
        // Spanish
        (
            "b",
            "En respuesta a la pregunta 2, compartimos lo siguiente.",
            2,
        ),
        (
            "b",
            "Sobre la segunda pregunta, queremos señalar lo siguiente.",
            2,
        ),
        ("s", "Respuesta a la tercera pregunta", 3),
        (
            "b",
            "Respecto a la pregunta número 3, la diáspora es clave.",
            3,
        ),
        ("b", "En relación con la primera pregunta: prioridades.", 1),
        // Portuguese, as contributors from Brazil write
        (
            "b",
            "Em resposta à pergunta 2, gostaríamos de compartilhar o seguinte.",
            2,
        ),
        ("b", "Sobre a terceira pergunta: a diáspora.", 3),
    ];
    let ws = Workspace::with_fixture_config();
    let messages: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(n, (place, words, _))| match *place {
            "s" => message(n, words, &format!("Dear moderators,\r\n\r\n{FILLER}"), ""),
            _ => message(
                n,
                "Our contribution",
                &format!("Dear moderators,\r\n\r\n{words}\r\n\r\n{FILLER}"),
                "",
            ),
        })
        .collect();
    let got = routed(&ws, &messages);
    assert_eq!(got.len(), cases.len(), "{got:?}");
    let wrong: Vec<String> = cases
        .iter()
        .zip(&got)
        .filter(|((_, _, want), (q, _, _))| q != want)
        .map(|((_, words, want), (q, how, _))| {
            format!("{words:?}: question {q} ({how:?}), want {want}")
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for ((place, _, _), (_, how, _)) in cases.iter().zip(&got) {
        let named = if *place == "s" {
            "the subject"
        } else {
            "the text's opening"
        };
        assert!(how.starts_with(named), "routed by {how:?}, want {named}");
    }
}

#[test]
fn two_questions_named_stay_unassigned_with_both_candidates_shown() {
    let ws = Workspace::with_fixture_config();
    let got = routed(
        &ws,
        &[message(
            0,
            "Our contribution",
            "Dear moderators,\r\n\r\nOn question 2 and the third question, we note the following.\r\n",
            "",
        )],
    );
    let (q, how, _) = &got[0];
    assert_eq!(*q, 0, "{how}");
    assert!(
        how.contains("2") && how.contains("3") && how.contains("a moderator chooses"),
        "{how}"
    );
    let shown = ws.cmd().args(["show", "1"]).ok();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("Question:  unassigned (the text's opening names questions 2"),
        "{shown}"
    );
}

#[test]
fn a_question_s_title_repeated_routes_to_it_in_any_of_its_languages() {
    let ws = Workspace::with_fixture_config();
    let got = routed(
        &ws,
        &[
            message(
                0,
                "Comment la diaspora peut-elle contribuer au développement durable des pays d'origine ?",
                &format!("Bonjour,\r\n\r\n{FILLER}"),
                "",
            ),
            message(
                1,
                "Contribución",
                &format!(
                    "Estimados:\r\n\r\n¿Cómo promover remesas más rápidas, seguras y baratas y la \
                     inclusión financiera de los migrantes?\r\n\r\n{FILLER}"
                ),
                "",
            ),
        ],
    );
    assert_eq!(got[0].0, 3, "{:?}", got[0]);
    assert_eq!(got[1].0, 2, "{:?}", got[1]);
    assert!(got[0].1.contains("title"), "{:?}", got[0]);
}

#[test]
fn a_reply_to_a_contribution_goes_where_that_one_went_and_is_linked_to_it() {
    let ws = Workspace::with_fixture_config();
    // Stored in an earlier run: the reply's parent is found in the store.
    let first = routed(
        &ws,
        &[message(
            1,
            "[Q2] Remittance costs",
            &format!("Dear all,\r\n\r\n{FILLER}"),
            "",
        )],
    );
    assert_eq!(first[0].0, 2);
    // A reply naming no question, and one to the reply in the same batch (its parent
    // arrives with it), and a reply quoting only References.
    let replies = routed(
        &ws,
        &[
            message(
                2,
                "Re: Remittance costs",
                &format!("I agree with this, and would add:\r\n\r\n{FILLER}"),
                "In-Reply-To: <routing-1@example.net>\r\nReferences: <routing-1@example.net>\r\n",
            ),
            message(
                3,
                "Re: Re: Remittance costs",
                &format!("A further thought:\r\n\r\n{FILLER}"),
                "In-Reply-To: <routing-2@example.net>\r\n",
            ),
            message(
                4,
                "Re: Remittance costs",
                &format!("Late to this thread:\r\n\r\n{FILLER}"),
                "References: <not-ours@elsewhere.example> <routing-1@example.net>\r\n",
            ),
        ],
    );
    let parent_id = ids(&ws.json(&["queue", "--json"]))[0];
    assert_eq!(replies.len(), 3, "{replies:?}");
    for (q, how, _) in &replies {
        assert_eq!(*q, 2, "{how}");
        assert!(how.starts_with("a reply to #"), "{how}");
    }
    assert_eq!(replies[0].2, Some(parent_id));
    assert_eq!(replies[2].2, Some(parent_id));
    let second = replies[1].2.expect("the reply to the reply has a parent");
    assert_ne!(second, parent_id, "it replies to the reply, not the first");
    let shown = ws.cmd().args(["show", &second.to_string()]).ok();
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains(&format!("Replies to: #{parent_id}")),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );
}

#[test]
fn a_reply_s_own_question_tag_wins_over_its_parent_s() {
    let ws = Workspace::with_fixture_config();
    routed(
        &ws,
        &[message(
            1,
            "[Q2] Remittance costs",
            &format!("Dear all,\r\n\r\n{FILLER}"),
            "",
        )],
    );
    let got = routed(
        &ws,
        &[message(
            2,
            "[Q3] Re: Remittance costs",
            &format!("On the diaspora instead:\r\n\r\n{FILLER}"),
            "In-Reply-To: <routing-1@example.net>\r\n",
        )],
    );
    assert_eq!(got[0].0, 3, "{:?}", got[0]);
    assert!(
        got[0].2.is_some(),
        "still linked to its parent: {:?}",
        got[0]
    );
}
