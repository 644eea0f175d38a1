use super::*;

fn author(address: &str, affiliation: Option<&str>, department: Option<&str>) -> Author {
    Author {
        name: "Ana López".into(),
        address: address.into(),
        affiliation: affiliation.map(Into::into),
        department: department.map(Into::into),
        stakeholder: None,
    }
}

fn kind(rules: &Rules, address: &str, affiliation: Option<&str>) -> Option<StakeholderType> {
    rules
        .infer(&author(address, affiliation, None), "Our views.")
        .map(|s| s.kind)
}

#[test]
fn the_shipped_rules_read_each_kind_of_sender() {
    use StakeholderType::*;
    let rules = Rules::default();
    let cases: &[(&str, Option<&str>, Option<StakeholderType>)] = &[
        ("a@interieur.gouv.fr", None, Some(MemberState)),
        ("a@sre.gob.mx", None, Some(MemberState)),
        ("a@homeoffice.gov.uk", None, Some(MemberState)),
        ("a@gouv.fr", None, Some(MemberState)),
        (
            "a@example.org",
            Some("Ministry of Foreign Affairs of Ghana"),
            Some(MemberState),
        ),
        (
            "a@gmail.com",
            Some("Misión Permanente de México"),
            Some(MemberState),
        ),
        // A mission to the UN is a Member State's: the earliest keyword wins.
        (
            "a@example.net",
            Some("Permanent Mission of Mexico to the United Nations"),
            Some(MemberState),
        ),
        // A city on a government domain: the affiliation says more than the domain.
        (
            "a@bristol.gov.uk",
            Some("Bristol City Council"),
            Some(LocalGovernment),
        ),
        ("a@ville.montreal.qc.ca", None, Some(LocalGovernment)),
        (
            "a@madrid.es",
            Some("Ayuntamiento de Madrid"),
            Some(LocalGovernment),
        ),
        (
            "a@example.org",
            Some("Gobierno de la Ciudad de Buenos Aires"),
            Some(LocalGovernment),
        ),
        (
            "a@example.org",
            Some("Alcaldía de Medellín"),
            Some(LocalGovernment),
        ),
        ("a@iom.int", None, Some(UnEntity)),
        ("a@un.org", None, Some(UnEntity)),
        ("a@gmail.com", Some("IOM"), Some(UnEntity)),
        (
            "a@who.int",
            Some("World Health Organization"),
            Some(UnEntity),
        ),
        (
            "a@example.org",
            Some("Organisation internationale pour les migrations"),
            Some(UnEntity),
        ),
        ("a@au.int", None, Some(Intergovernmental)),
        ("a@ec.europa.eu", None, Some(Intergovernmental)),
        (
            "a@example.org",
            Some("World Bank Group"),
            Some(Intergovernmental),
        ),
        ("a@ox.ac.uk", None, Some(Academia)),
        (
            "a@gmail.com",
            Some("Universidad Nacional Autónoma de México"),
            Some(Academia),
        ),
        ("a@example.com", Some("Mukuru Ltd"), Some(PrivateSector)),
        (
            "a@example.org",
            Some("Migrant Forum in Asia"),
            Some(CivilSociety),
        ),
        (
            "a@example.com",
            Some("Fundación Scalabrini"),
            Some(CivilSociety),
        ),
        ("a@picum.ngo", None, Some(CivilSociety)),
        // .org and .com say nothing about who writes.
        ("a@picum.org", None, None),
        ("a@gmail.com", None, Some(Individual)),
        // Nothing says: unknown, for a moderator to set.
        ("a@example.com", None, None),
        ("a@gmail.com", Some("Mukuru"), None),
    ];
    for (address, affiliation, want) in cases {
        assert_eq!(
            kind(&rules, address, *affiliation),
            *want,
            "{address} {affiliation:?}"
        );
    }
}

#[test]
fn keywords_match_whole_words_and_capitals_only_in_capitals() {
    let rules = Rules::default();
    // "who" in lower case is a word, not the WHO; "Unity" does not contain "UN".
    assert_eq!(kind(&rules, "a@example.com", Some("Those who care")), None);
    assert_eq!(kind(&rules, "a@example.com", Some("Unity Partners")), None);
    assert_eq!(
        kind(&rules, "a@example.com", Some("Ministere de l'Interieur")),
        Some(StakeholderType::MemberState),
        "accents do not matter"
    );
}

#[test]
fn each_decision_says_which_rule_made_it() {
    let rules = Rules::default();
    let s = rules
        .infer(
            &author("a@ville.montreal.qc.ca", Some("Ville de Montréal"), None),
            "x",
        )
        .expect("a type");
    assert_eq!(
        s.by,
        "affiliation \"Ville de Montréal\" has \"Ville de\" (default rules)"
    );
    let s = rules
        .infer(&author("a@interieur.gouv.fr", None, None), "x")
        .expect("a type");
    assert_eq!(
        s.by,
        "domain interieur.gouv.fr matches \"*.gouv.*\" (default rules)"
    );
    let s = rules
        .infer(
            &author("a@iom.int", Some("IOM"), None),
            "I write in a personal capacity.",
        )
        .expect("a type");
    assert_eq!(s.kind, StakeholderType::Individual);
    let s = rules
        .infer(
            &author(
                "a@example.org",
                None,
                Some("Dirección General de Migración"),
            ),
            "x",
        )
        .expect("from the department");
    assert_eq!(s.kind, StakeholderType::MemberState);
    assert!(s.by.starts_with("department "), "{}", s.by);
}

#[test]
fn a_consultation_s_rules_come_first_and_may_drop_the_shipped_ones() {
    let own: RulesConfig = toml::from_str(
        "[[rule]]\ntype = \"civil-society\"\naffiliation = [\"Mayors Mechanism\"]\n\
         domains = [\"*.gfmd.org\"]\n",
    )
    .expect("valid");
    let rules = Rules::compile(own.clone()).expect("compiles");
    let s = rules
        .infer(
            &author("a@gfmd.org", Some("GFMD Mayors Mechanism"), None),
            "x",
        )
        .expect("a type");
    assert_eq!(s.kind, StakeholderType::CivilSociety);
    assert!(s.by.ends_with("(config)"), "{}", s.by);
    let alone = Rules::compile(RulesConfig {
        defaults: false,
        ..own
    })
    .expect("compiles");
    assert_eq!(kind(&alone, "a@interieur.gouv.fr", None), None);
}

#[test]
fn bad_rules_are_refused_with_the_entry_named() {
    let bad: RulesConfig =
        toml::from_str("[[rule]]\ntype = \"academia\"\ndomains = [\"uni/*.edu\"]\n").expect("toml");
    let err = Rules::compile(bad).unwrap_err();
    assert!(err.contains("uni/*.edu"), "{err}");
    let short: RulesConfig =
        toml::from_str("[[rule]]\ntype = \"academia\"\naffiliation = [\"U\"]\n").expect("toml");
    assert!(Rules::compile(short).unwrap_err().contains("too short"));
}
