//! Routing's unit tests.
use super::*;
use std::path::Path;

fn config() -> Config {
    Config::parse(
        "[[space]]\nid='gcm'\ntitle='GCM'\ncloses=2022-02-15\n\
         [[space.question]]\nnumber=1\nmessage_id='<q1@hub>'\n\
         [[space.question]]\nnumber=2\n[[space.question]]\nnumber=3\ncloses=2022-01-31\n",
        Path::new("t.toml"),
    )
    .expect("valid")
}

#[test]
fn subject_tags_in_three_languages() {
    let c = config();
    for (subject, n) in [
        ("[Q2] Our view", 2),
        ("Re: Q3: remittances", 3),
        ("Contribution to Question 1", 1),
        ("Réponse à la question n° 2", 2),
        ("Pregunta 3 - aporte", 3),
        ("Q2", 2),
    ] {
        assert_eq!(
            route(&c, (subject, ""), &[], &[])
                .question
                .map(|q| q.number),
            Some(n),
            "{subject}"
        );
    }
    assert_eq!(
        route(&c, ("Our view on migration", ""), &[], &[]).question,
        None
    );
}

/// Every way of naming a question the moderators' trial met, in each language, in the
/// subject or the text's first lines.
#[test]
fn questions_named_as_people_write() {
    let c = config();
    for (subject, body, n) in [
        (
            "Our contribution",
            "In answer to the third question, we think…",
            3,
        ),
        ("Our contribution", "Regarding question two: data.", 2),
        ("Contribution", "Re Q.2 – remittances are too costly.", 2),
        (
            "Contribution",
            "Dear colleagues,\n\nOn the second question, cities…",
            2,
        ),
        (
            "Contribution de Montréal",
            "Pour répondre à la troisième question, Montréal…",
            3,
        ),
        (
            "Contribution",
            "Réponse à la question n° 3 : la diaspora.",
            3,
        ),
        (
            "Contribution",
            "Madame, Monsieur,\n\nConcernant la question 1, nous…",
            1,
        ),
        (
            "Aporte",
            "En respuesta a la pregunta 2, el Ayuntamiento…",
            2,
        ),
        ("Aporte de Lima", "Sobre la segunda pregunta, Lima ha…", 2),
        ("Aporte", "Respondemos a la pregunta número 3.", 3),
        ("Contribuição", "Em resposta à pergunta 2, a Prefeitura…", 2),
        ("Resposta à terceira pergunta", "A Prefeitura…", 3),
        ("Sobre la primera pregunta", "Texto.", 1),
    ] {
        let r = route(&c, (subject, body), &[], &[]);
        assert_eq!(
            r.question.map(|q| q.number),
            Some(n),
            "{subject} / {body}: {:?}",
            r.how
        );
    }
}

#[test]
fn two_questions_named_stay_unassigned_with_both_shown() {
    let r = route(
        &config(),
        ("Contribution", "We answer question 1 and question 3 below."),
        &[],
        &[],
    );
    assert_eq!(r.question, None);
    let how = r.how.unwrap_or_default();
    assert!(how.contains("questions 1") && how.contains("3 ("), "{how}");
}

#[test]
fn a_question_s_title_repeated_routes_to_it() {
    let c = Config::parse(
        "[[space]]\nid='gcm'\ntitle='GCM'\n\
         [[space.question]]\nnumber=1\ntitle.en='What are the key priorities?'\n\
         [[space.question]]\nnumber=2\ntitle.fr='Comment réduire le coût des transferts de fonds ?'\n",
        Path::new("t.toml"),
    )
    .expect("valid");
    let r = route(
        &c,
        (
            "Notre avis",
            "Comment réduire le coût des transferts de fonds ? Voici…",
        ),
        &[],
        &[],
    );
    assert_eq!(r.question.map(|q| q.number), Some(2), "{:?}", r.how);
    let r = route(&c, ("Our view", "Remittances are costly."), &[], &[]);
    assert_eq!(r.question, None);
}

#[test]
fn missing_question_is_explained_not_guessed() {
    let r = route(&config(), ("[Q7] view", ""), &[], &[]);
    assert_eq!(r.question, None);
    assert!(r.how.unwrap_or_default().contains("does not have"));
}

#[test]
fn plus_address_and_reply_route() {
    let c = config();
    let r = route(&c, ("hello", ""), &["contact+q2@hub.org".into()], &[]);
    assert_eq!(r.question.map(|q| q.number), Some(2));
    let r = route(&c, ("Re: hello", ""), &[], &["q1@hub".into()]);
    assert_eq!(r.question.map(|q| q.number), Some(1));
}

#[test]
fn objectives_in_lists_and_languages() {
    assert_eq!(
        objectives(&[
            "Objective 20 and objectives 16, 19",
            "Objectif 2; objetivo 23; objective 40"
        ]),
        vec![2, 16, 19, 20, 23]
    );
}

#[test]
fn deadlines_are_inclusive_and_question_first() {
    let c = config();
    let q3 = QuestionRef {
        space: "gcm".into(),
        number: 3,
    };
    let q2 = QuestionRef {
        space: "gcm".into(),
        number: 2,
    };
    let feb1: Timestamp = "2022-02-01T08:00:00Z".parse().expect("ts");
    let feb15: Timestamp = "2022-02-15T23:00:00Z".parse().expect("ts");
    assert!(deadline_flag(&c, Some(&q3), feb1).is_some());
    assert!(deadline_flag(&c, Some(&q2), feb1).is_none());
    assert!(deadline_flag(&c, Some(&q2), feb15).is_none());
}

#[test]
fn a_subject_loses_reply_prefixes_tags_and_a_named_question_in_any_language() {
    use super::bare_subject;
    assert_eq!(bare_subject("RE: [Q2] Remittances"), "Remittances");
    assert_eq!(bare_subject("TR: RV: AW: Fwd: Re[2]: Jobs"), "Jobs");
    assert_eq!(bare_subject("[gcm-list] [Q1] Qui paie ?"), "Qui paie ?");
    assert_eq!(
        bare_subject("Q1: prioridades de las ciudades"),
        "prioridades de las ciudades"
    );
    assert_eq!(
        bare_subject("Réponse à la question 2 : inclusion financière"),
        "inclusion financière"
    );
    assert_eq!(
        bare_subject("Contribution to Question 1 - position paper attached"),
        "position paper attached"
    );
    assert_eq!(
        bare_subject("Regarding remittances"),
        "Regarding remittances"
    );
    assert_eq!(bare_subject("Question 2"), "");
    assert_eq!(bare_subject("Q2"), "");
    assert_eq!(bare_subject("Q2 and Q3 together"), "Q2 and Q3 together");
    assert_eq!(bare_subject("[Q2]"), "");
}
