//! The signatures the moderator's trial got wrong, each as it was written.

use super::*;
use crate::trim::trim;

fn signed(display: &str, address: &str, text: &str) -> Signed {
    read(display, address, &trim(text))
}

fn org(s: &Signed) -> Option<&str> {
    s.affiliation.as_deref()
}

#[test]
fn a_job_title_is_not_the_organisation() {
    let s = signed(
        "Helen Ward",
        "helen.ward@bristol.gov.uk",
        "Bristol has a City of Sanctuary strategy since 2019.\n\nKind regards,\n\nHelen Ward\nHead of Migration and Inclusion\nBristol City Council\n",
    );
    assert_eq!(s.name.as_deref(), Some("Helen Ward"));
    assert_eq!(org(&s), Some("Bristol City Council"));
}

#[test]
fn the_ministry_not_its_department_with_the_department_kept() {
    let s = signed(
        "Peter Kamau",
        "pkamau@interior.go.ke",
        "Our data systems need work.\n\nRegards,\nPeter Kamau\nSenior Policy Officer\nDirectorate of Immigration Services\nMinistry of Interior and National Administration\nNairobi, Kenya\nTel: +254 20 222 2022\n",
    );
    assert_eq!(
        org(&s),
        Some("Ministry of Interior and National Administration")
    );
    assert_eq!(
        s.department.as_deref(),
        Some("Directorate of Immigration Services")
    );
}

#[test]
fn an_organisation_at_the_end_of_the_signature() {
    let s = signed(
        "Dr. Lina Haddad",
        "haddadl@who.int",
        "Access to health care must not depend on status.\n\nBest regards,\nLina Haddad\nTechnical Officer, Health and Migration Programme\nWorld Health Organization\n",
    );
    assert_eq!(s.name.as_deref(), Some("Lina Haddad"));
    assert_eq!(org(&s), Some("World Health Organization"));
}

#[test]
fn a_name_in_the_signature_beats_the_address() {
    let s = signed(
        "",
        "ana.lopez@madrid.example.es",
        "En respuesta a la pregunta 2, Madrid ha reducido el coste de las remesas.\n\nUn saludo,\nAna López\nAyuntamiento de Madrid\n",
    );
    assert_eq!(s.name.as_deref(), Some("Ana López"));
    assert_eq!(org(&s), Some("Ayuntamiento de Madrid"));
}

#[test]
fn a_surname_in_capitals_is_kept_as_written_with_the_organisation() {
    let s = signed(
        "KONE Awa",
        "awa.kone@example.ci",
        "Les transferts de fonds financent l'école.\n\nCordialement,\n\nKONE Awa\nChargée de mission\nMinistère de l'Intégration africaine et des Ivoiriens de l'Extérieur\n",
    );
    assert_eq!(s.name.as_deref(), Some("KONE Awa"));
    assert_eq!(
        org(&s),
        Some("Ministère de l'Intégration africaine et des Ivoiriens de l'Extérieur")
    );
}

#[test]
fn one_line_signatures_and_display_names() {
    let s = signed(
        "",
        "j.smith@oxfam.org",
        "Text of the contribution.\n\n-- \nJane Smith | Policy Adviser | Oxfam\n",
    );
    assert_eq!(s.name.as_deref(), Some("Jane Smith"));
    assert_eq!(org(&s), Some("Oxfam"));
    // One word without a tell-tale word is a town as often as an organisation: the
    // sender's domain must say which.
    let s = signed(
        "",
        "j.smith@example.org",
        "Text of the contribution.\n\n-- \nJane Smith | Policy Adviser | Durban\n",
    );
    assert_eq!((s.name.as_deref(), org(&s)), (Some("Jane Smith"), None));
    let s = signed("Sarah Doyel, IOM", "sarah@iom.int", "Text.\n");
    assert_eq!(
        (s.name.as_deref(), org(&s)),
        (Some("Sarah Doyel"), Some("IOM"))
    );
    let s = signed("Sarah Doyel (IOM)", "sarah@iom.int", "Text.\n");
    assert_eq!(
        (s.name.as_deref(), org(&s)),
        (Some("Sarah Doyel"), Some("IOM"))
    );
}

#[test]
fn on_behalf_of_names_the_organisation() {
    let s = signed(
        "Tom Baker",
        "tom@example.org",
        "Dear moderators,\n\nI write on behalf of the Migrant Rights Network to share our views.\n\nBest,\nTom\n",
    );
    assert_eq!(org(&s), Some("Migrant Rights Network"));
    let s = signed(
        "Marie Curie",
        "marie@example.fr",
        "Notre avis.\n\nBien à vous,\nMarie Curie\nAu nom de la Cimade\n",
    );
    assert_eq!(org(&s), Some("Cimade"));
}

#[test]
fn no_affiliation_is_invented_for_a_private_person() {
    let s = signed(
        "Joseph Mwangi",
        "jmwangi@gmail.example",
        "I worked in Qatar for six years and the recruitment fees took two of them.\n\nThanks,\nJoseph Mwangi\nNairobi, Kenya\nSent from my iPhone\n",
    );
    assert_eq!(s.name.as_deref(), Some("Joseph Mwangi"));
    assert_eq!(org(&s), None);
    let s = signed(
        "Rosa Méndez",
        "rosa@correo.example",
        "Soy trabajadora del hogar en Madrid.\n\nSaludos,\nRosa Méndez\nTrabajadora del hogar\n",
    );
    assert_eq!(org(&s), None);
}

mod lines {
    use crate::author::lines::*;

    #[test]
    fn lines_of_a_signature() {
        for (line, kind) in [
            ("Head of Migration and Inclusion", LineKind::Title),
            ("Bristol City Council", LineKind::Organisation),
            ("Migration Directorate", LineKind::Department),
            ("Department of Health", LineKind::Department),
            ("World Health Organization", LineKind::Organisation),
            ("Ayuntamiento de Madrid", LineKind::Organisation),
            ("Chargée de mission migrations", LineKind::Title),
            (
                "Direction générale des étrangers en France",
                LineKind::Department,
            ),
            ("Tel: +254 20 123 4567", LineKind::Contact),
            (
                "T. +41 22 717 9111 | M. +41 79 000 00 00",
                LineKind::Contact,
            ),
            ("17 route des Morillons", LineKind::Contact),
            ("Geneva, Switzerland", LineKind::Place),
            ("75007 Paris", LineKind::Place),
            ("[cid:image001.png@01D8A1B2.3C4D5E60]", LineKind::Noise),
            ("Sent from my iPhone", LineKind::Noise),
            ("IOM", LineKind::Organisation),
            (
                "Secretaría de Relaciones Exteriores",
                LineKind::Organisation,
            ),
            ("Jefe de la Unidad de Política Migratoria", LineKind::Title),
            ("Independent consultant", LineKind::Title),
        ] {
            assert_eq!(classify(line), kind, "{line}");
        }
    }

    #[test]
    fn names_and_honorifics() {
        assert_eq!(without_honorifics("Dr. Amina Yusuf"), "Amina Yusuf");
        assert_eq!(without_honorifics("Mme Claire Dubois"), "Claire Dubois");
        assert_eq!(
            without_honorifics("Lic. María Fernanda Ruiz"),
            "María Fernanda Ruiz"
        );
        assert_eq!(without_honorifics("John Mensah PhD"), "John Mensah");
        assert!(looks_like_name("KONE Awa"));
        assert!(looks_like_name("Juan Pérez Morales"));
        assert!(looks_like_name("María de la Cruz"));
        assert!(!looks_like_name("Bristol City Council"));
        assert!(!looks_like_name("Head of Policy"));
        assert!(!looks_like_name("Best regards"));
        assert!(!looks_like_name("Geneva Switzerland"));
    }
}
