#!/usr/bin/env python3
"""Generate, reproducibly from a seed, a Maildir of distinct contributions with a campaign
among them: template letters in English, French and Spanish, each sent by many people
who signed it, some adding a sentence of their own or leaving one out. Also writes the
truth: which sender sent which template (for precision and recall of the grouping).

Distinct contributions are built sentence by sentence from several independent slots
(who, what they do, about what, where, why), so two of them share words, as real
contributions on one subject do, but rarely a run of three.

    python3 scripts/gen-campaign.py --distinct 2000 --letters 200 --out DIR --truth truth.json
"""
import argparse
import datetime
import json
import os
import random
from email.message import EmailMessage
from email.utils import format_datetime

SLOTS = {
    "en": [
        ["Our ministry", "The city council", "Our network", "The regional office", "Our union",
         "The university's migration centre", "Local civil society", "Our diaspora association",
         "The national statistics office", "Our faith community", "The chamber of commerce",
         "Our legal aid clinic", "The women's cooperative", "Our youth platform",
         "The municipal health service", "Our consular department"],
        ["has documented", "keeps asking for", "strongly supports", "is worried about",
         "has financed", "recently evaluated", "wants more funding for", "is piloting",
         "regularly reports on", "has trained staff on", "calls for an end to",
         "has mapped", "needs guidance on", "publishes data about"],
        ["the cost of remittances", "labour mobility schemes", "detention of children",
         "access to primary health care", "recognition of foreign diplomas",
         "school enrolment of migrant children", "search and rescue at sea",
         "portability of pensions", "fair recruitment practices", "consular identity cards",
         "climate-related displacement", "return and reintegration support",
         "xenophobic hate speech online", "birth registration for stateless children",
         "language courses for newcomers", "financial inclusion of women migrants",
         "housing for seasonal workers", "data on missing migrants"],
        ["in border towns", "along the northern corridor", "in our three largest cities",
         "in rural districts", "since the pandemic", "over the last five years",
         "with neighbouring countries", "for domestic workers", "in agriculture",
         "in the construction sector", "among unaccompanied minors", "in coastal regions"],
        ["because families depend on it.", "which the review should address.",
         "as the Global Compact recommends.", "and results are encouraging.",
         "yet funding remains uncertain.", "with support from local partners.",
         "although data is still scarce.", "and we ask states to follow up.",
         "which requires cooperation across ministries.", "to protect workers from abuse."],
    ],
    "fr": [
        ["Notre ministère", "Le conseil municipal", "Notre réseau", "Le bureau régional",
         "Notre syndicat", "Le centre universitaire sur les migrations", "La société civile locale",
         "Notre association de la diaspora", "L'institut national de la statistique",
         "Notre communauté religieuse", "La chambre de commerce", "Notre clinique juridique",
         "La coopérative des femmes", "Notre plateforme de jeunes", "Le service municipal de santé"],
        ["a documenté", "réclame sans cesse", "soutient fermement", "s'inquiète de",
         "a financé", "a récemment évalué", "demande davantage de moyens pour", "expérimente",
         "rend compte régulièrement de", "a formé son personnel sur", "demande la fin de",
         "a cartographié", "a besoin d'orientations sur", "publie des données sur"],
        ["le coût des transferts de fonds", "les programmes de mobilité de la main-d'œuvre",
         "la rétention des enfants", "l'accès aux soins de santé primaires",
         "la reconnaissance des diplômes étrangers", "la scolarisation des enfants migrants",
         "le sauvetage en mer", "la portabilité des retraites", "le recrutement équitable",
         "les cartes d'identité consulaires", "les déplacements liés au climat",
         "l'aide au retour et à la réintégration", "les discours de haine xénophobes",
         "l'enregistrement des naissances", "les cours de langue pour les nouveaux arrivants",
         "l'inclusion financière des femmes migrantes", "le logement des travailleurs saisonniers"],
        ["dans les villes frontalières", "le long du corridor nord", "dans nos trois grandes villes",
         "dans les districts ruraux", "depuis la pandémie", "au cours des cinq dernières années",
         "avec les pays voisins", "pour les travailleurs domestiques", "dans l'agriculture",
         "dans le secteur du bâtiment", "parmi les mineurs non accompagnés", "dans les régions côtières"],
        ["car les familles en dépendent.", "ce que l'examen devrait traiter.",
         "comme le recommande le Pacte mondial.", "et les résultats sont encourageants.",
         "mais le financement reste incertain.", "avec l'appui de partenaires locaux.",
         "bien que les données restent rares.", "et nous demandons aux États d'agir.",
         "ce qui exige une coopération entre ministères.", "pour protéger les travailleurs."],
    ],
    "es": [
        ["Nuestro ministerio", "El concejo municipal", "Nuestra red", "La oficina regional",
         "Nuestro sindicato", "El centro universitario de migraciones", "La sociedad civil local",
         "Nuestra asociación de la diáspora", "El instituto nacional de estadística",
         "Nuestra comunidad de fe", "La cámara de comercio", "Nuestra clínica jurídica",
         "La cooperativa de mujeres", "Nuestra plataforma juvenil", "El servicio municipal de salud"],
        ["ha documentado", "pide constantemente", "apoya firmemente", "está preocupado por",
         "ha financiado", "evaluó recientemente", "pide más recursos para", "está ensayando",
         "informa regularmente sobre", "ha capacitado a su personal sobre", "pide el fin de",
         "ha cartografiado", "necesita orientación sobre", "publica datos sobre"],
        ["el costo de las remesas", "los programas de movilidad laboral",
         "la detención de niños", "el acceso a la atención primaria de salud",
         "el reconocimiento de títulos extranjeros", "la escolarización de niños migrantes",
         "el salvamento en el mar", "la portabilidad de las pensiones", "la contratación equitativa",
         "las matrículas consulares", "los desplazamientos por el clima",
         "el apoyo al retorno y la reintegración", "los discursos de odio xenófobos",
         "el registro de nacimientos", "los cursos de idioma para recién llegados",
         "la inclusión financiera de las mujeres migrantes", "la vivienda de los temporeros"],
        ["en las ciudades fronterizas", "a lo largo del corredor norte", "en nuestras tres mayores ciudades",
         "en los distritos rurales", "desde la pandemia", "en los últimos cinco años",
         "con los países vecinos", "para las trabajadoras domésticas", "en la agricultura",
         "en la construcción", "entre los menores no acompañados", "en las regiones costeras"],
        ["porque las familias dependen de ello.", "lo que el examen debería abordar.",
         "como recomienda el Pacto Mundial.", "y los resultados son alentadores.",
         "pero la financiación sigue siendo incierta.", "con el apoyo de socios locales.",
         "aunque los datos siguen siendo escasos.", "y pedimos a los Estados que actúen.",
         "lo que exige cooperación entre ministerios.", "para proteger a los trabajadores."],
    ],
}

TEMPLATES = {
    "en": [
        "We, the undersigned residents and workers, call on the governments taking part in "
        "the regional review to make migration safe, orderly and regular for everyone.",
        "Migrant workers harvest our food, care for our parents and build our homes, yet too "
        "many of them are paid late, housed badly and afraid to report abuse.",
        "We ask for three commitments: an end to the immigration detention of children, "
        "remittance fees below three percent, and firewalls between health services and "
        "immigration enforcement.",
        "The Global Compact for Migration already names these goals; what is missing is the "
        "money and the political will to reach them by the next review.",
        "We will follow the roundtables closely and share this letter with our neighbours.",
    ],
    "fr": [
        "Nous, habitantes et habitants, travailleuses et travailleurs soussignés, appelons les "
        "gouvernements qui participent à l'examen régional à rendre la migration sûre, "
        "ordonnée et régulière pour toutes et tous.",
        "Les travailleurs migrants récoltent notre nourriture, soignent nos parents et "
        "construisent nos maisons, mais beaucoup sont payés en retard, mal logés et ont peur "
        "de dénoncer les abus.",
        "Nous demandons trois engagements : la fin de la rétention administrative des enfants, "
        "des frais de transfert inférieurs à trois pour cent, et une séparation stricte entre "
        "les services de santé et le contrôle de l'immigration.",
        "Le Pacte mondial pour les migrations nomme déjà ces objectifs ; ce qui manque, ce sont "
        "les moyens et la volonté politique de les atteindre d'ici le prochain examen.",
        "Nous suivrons de près les tables rondes et partagerons cette lettre avec nos voisins.",
    ],
    "es": [
        "Nosotras y nosotros, vecinos y trabajadores abajo firmantes, pedimos a los gobiernos "
        "que participan en el examen regional que hagan la migración segura, ordenada y "
        "regular para todas las personas.",
        "Las personas migrantes cosechan nuestros alimentos, cuidan a nuestros mayores y "
        "construyen nuestras casas, pero muchas cobran tarde, viven en malas condiciones y "
        "temen denunciar los abusos.",
        "Pedimos tres compromisos: el fin de la detención migratoria de niñas y niños, "
        "comisiones por remesas inferiores al tres por ciento y una separación estricta entre "
        "los servicios de salud y el control migratorio.",
        "El Pacto Mundial para la Migración ya nombra estas metas; lo que falta es el dinero y "
        "la voluntad política para alcanzarlas antes del próximo examen.",
        "Seguiremos de cerca las mesas redondas y compartiremos esta carta con nuestros vecinos.",
    ],
}

OWN = {
    "en": ["In my town the nearest clinic turned away two families last winter.",
           "I work in a care home where half of my colleagues came from abroad.",
           "My brother waited fourteen months for his work permit."],
    "fr": ["Dans ma ville, le dispensaire le plus proche a refusé deux familles l'hiver dernier.",
           "Je travaille dans une maison de retraite où la moitié de mes collègues viennent de l'étranger.",
           "Mon frère a attendu quatorze mois son permis de travail."],
    "es": ["En mi pueblo el centro de salud rechazó a dos familias el invierno pasado.",
           "Trabajo en una residencia donde la mitad de mis compañeras vinieron de fuera.",
           "Mi hermano esperó catorce meses su permiso de trabajo."],
}

FIRST = ["Ana", "Luc", "María", "John", "Fatou", "Omar", "Élise", "Pedro", "Grace", "Yusuf",
         "Chloé", "Diego", "Amina", "Tom", "Inés", "Karim", "Lena", "Rafael", "Nadia", "Sam"]
LAST = ["Diallo", "Martin", "García", "Smith", "Ndiaye", "Haddad", "Dubois", "López", "Okafor",
        "Khan", "Moreau", "Pérez", "Mensah", "Brown", "Ruiz", "Benali", "Costa", "Silva"]


def distinct(rng, lang):
    slots = SLOTS[lang]
    sentences = [" ".join(rng.choice(s) for s in slots) for _ in range(rng.randint(5, 10))]
    return " ".join(sentences)


def letter(rng, lang):
    parts = list(TEMPLATES[lang])
    if rng.random() < 0.15:
        del parts[rng.randrange(1, len(parts))]
    if rng.random() < 0.5:
        parts.insert(rng.randrange(1, len(parts) + 1), rng.choice(OWN[lang]))
    return "\n\n".join(parts)


def write(out, i, sender, name, lang, text, date):
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>"
    msg["To"] = "contact@consultation.example.org"
    msg["Subject"] = f"[Q{1 + i % 3}] " + {"en": "Contribution", "fr": "Contribution", "es": "Contribución"}[lang]
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<campaign-test-{i}@example.org>"
    msg.set_content(text + f"\n\n{name}\n")
    with open(os.path.join(out, "new", f"{1641196800 + i}.{i}.gen"), "wb") as f:
        f.write(bytes(msg))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--distinct", type=int, default=2000)
    ap.add_argument("--letters", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(a.out, sub), exist_ok=True)
    kinds = ["distinct"] * a.distinct + ["letter"] * a.letters
    rng.shuffle(kinds)
    base = datetime.datetime(2022, 1, 3, 8, 0, tzinfo=datetime.timezone.utc)
    truth = {}
    for i, kind in enumerate(kinds):
        lang = rng.choice(["en", "fr", "es"])
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        sender = f"sender{i}@example.org"
        text = distinct(rng, lang) if kind == "distinct" else letter(rng, lang)
        write(a.out, i, sender, name, lang, text, base + datetime.timedelta(minutes=7 * i))
        truth[sender] = f"letter-{lang}" if kind == "letter" else None
    with open(a.truth, "w") as f:
        json.dump(truth, f, indent=0, sort_keys=True)
    print(f"{len(kinds)} messages ({a.letters} campaign letters) in {a.out}")


if __name__ == "__main__":
    main()
