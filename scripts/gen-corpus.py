#!/usr/bin/env python3
"""Generate, reproducibly from a seed, a Maildir of N contribution emails for benchmarks.

Bodies are 80-600 words of English, French or Spanish text built from sentence banks
about migration policy (real language, not lorem ipsum). About 30% are
multipart/alternative, 5% carry an attachment (--attachments: fake, real PDF/DOCX, or
none), 20% are replies with quoted text; charsets
utf-8 and iso-8859-1, transfer encodings quoted-printable, base64 and 8bit; sender names
with accents are RFC 2047 encoded.

    python3 scripts/gen-corpus.py --n 10000 --seed 42 --out target/bench/maildir
"""
import argparse
import os
import random
from email import charset as email_charset
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
import datetime

EN = [
    "Regular pathways for labour migration remain the first priority for our government.",
    "The cost of sending remittances home is still far above the target of three percent.",
    "Migrant workers need portable social protection when they move between countries.",
    "Cities are where migrants arrive, and local governments must be part of the review.",
    "Access to health services should not depend on a migrant's administrative status.",
    "Children on the move must be able to enrol in school wherever they are.",
    "We call for better data on migration flows, disaggregated by sex and age.",
    "Fair recruitment and the elimination of recruitment fees protect workers from debt bondage.",
    "Diaspora organisations contribute to sustainable development in countries of origin.",
    "Consular protection and assistance must be available throughout the migration cycle.",
    "Alternatives to immigration detention exist and should be used as a rule.",
    "Search and rescue at sea is a humanitarian obligation that states must honour.",
    "Climate change and disasters are already forcing people to leave their homes.",
    "Recognition of skills and qualifications helps migrants find decent work.",
    "Trafficking in persons must be prevented, and survivors protected and assisted.",
    "Financial inclusion starts with a bank account that a migrant can actually open.",
    "Mobile money has reduced the cost of remittances in several corridors.",
    "Whole-of-society approaches bring trade unions, employers and civil society together.",
    "Return and reintegration must be safe, dignified and sustainable.",
    "Public discourse on migration should be based on evidence, not fear.",
    "Identity documents are a precondition for access to services and justice.",
    "Border management must respect human rights and the principle of non-refoulement.",
    "Regional cooperation can make mobility schemes work for all countries involved.",
    "Women migrant workers face specific risks in domestic work that require attention.",
    "We welcome the opportunity to contribute to this regional review of the Compact.",
]
FR = [
    "Les voies de migration régulière pour le travail restent la première priorité de notre gouvernement.",
    "Le coût des transferts de fonds vers les pays d'origine dépasse encore largement la cible de trois pour cent.",
    "Les travailleurs migrants ont besoin d'une protection sociale portable lorsqu'ils changent de pays.",
    "Les villes sont le lieu d'arrivée des migrants et les autorités locales doivent participer à l'examen.",
    "L'accès aux services de santé ne devrait pas dépendre du statut administratif d'un migrant.",
    "Les enfants en déplacement doivent pouvoir être scolarisés où qu'ils se trouvent.",
    "Nous demandons de meilleures données sur les flux migratoires, ventilées par sexe et par âge.",
    "Le recrutement équitable et la suppression des frais de recrutement protègent les travailleurs de la servitude pour dettes.",
    "Les organisations de la diaspora contribuent au développement durable des pays d'origine.",
    "La protection et l'assistance consulaires doivent être disponibles tout au long du parcours migratoire.",
    "Des alternatives à la détention administrative existent et devraient être la règle.",
    "Le sauvetage en mer est une obligation humanitaire que les États doivent respecter.",
    "Les changements climatiques et les catastrophes poussent déjà des personnes à quitter leur foyer.",
    "La reconnaissance des compétences et des diplômes aide les migrants à trouver un travail décent.",
    "La traite des personnes doit être prévenue et les victimes protégées et assistées.",
    "L'inclusion financière commence par un compte bancaire qu'un migrant peut réellement ouvrir.",
    "L'argent mobile a réduit le coût des envois de fonds dans plusieurs corridors.",
    "Les approches mobilisant l'ensemble de la société réunissent syndicats, employeurs et société civile.",
    "Le retour et la réintégration doivent être sûrs, dignes et durables.",
    "Le débat public sur les migrations doit reposer sur des faits et non sur la peur.",
    "Les documents d'identité sont une condition préalable à l'accès aux services et à la justice.",
    "La gestion des frontières doit respecter les droits humains et le principe de non-refoulement.",
    "La coopération régionale peut rendre les régimes de mobilité profitables à tous les pays concernés.",
    "Les travailleuses migrantes font face à des risques particuliers dans le travail domestique.",
    "Nous saluons la possibilité de contribuer à cet examen régional du Pacte mondial.",
]
ES = [
    "Las vías regulares para la migración laboral siguen siendo la primera prioridad de nuestro gobierno.",
    "El costo de enviar remesas a los países de origen sigue muy por encima de la meta del tres por ciento.",
    "Los trabajadores migrantes necesitan una protección social portátil cuando cambian de país.",
    "Las ciudades son el lugar de llegada de los migrantes y los gobiernos locales deben participar en el examen.",
    "El acceso a los servicios de salud no debería depender de la situación administrativa de un migrante.",
    "Los niños en movimiento deben poder inscribirse en la escuela dondequiera que estén.",
    "Pedimos mejores datos sobre los flujos migratorios, desglosados por sexo y edad.",
    "La contratación equitativa y la eliminación de las comisiones de contratación protegen a los trabajadores de la servidumbre por deudas.",
    "Las organizaciones de la diáspora contribuyen al desarrollo sostenible de los países de origen.",
    "La protección y la asistencia consulares deben estar disponibles durante todo el ciclo migratorio.",
    "Existen alternativas a la detención de migrantes y deberían ser la norma.",
    "El salvamento en el mar es una obligación humanitaria que los Estados deben cumplir.",
    "El cambio climático y los desastres ya obligan a muchas personas a abandonar sus hogares.",
    "El reconocimiento de competencias y títulos ayuda a los migrantes a encontrar un trabajo decente.",
    "La trata de personas debe prevenirse y las víctimas deben ser protegidas y asistidas.",
    "La inclusión financiera empieza con una cuenta bancaria que un migrante pueda abrir de verdad.",
    "El dinero móvil ha reducido el costo de las remesas en varios corredores.",
    "Los enfoques pansociales reúnen a sindicatos, empleadores y sociedad civil.",
    "El retorno y la reintegración deben ser seguros, dignos y sostenibles.",
    "El discurso público sobre la migración debe basarse en pruebas y no en el miedo.",
    "Los documentos de identidad son una condición previa para acceder a los servicios y a la justicia.",
    "La gestión de fronteras debe respetar los derechos humanos y el principio de no devolución.",
    "La cooperación regional puede hacer que los regímenes de movilidad beneficien a todos los países.",
    "Las trabajadoras migrantes enfrentan riesgos específicos en el trabajo doméstico.",
    "Agradecemos la oportunidad de contribuir a este examen regional del Pacto Mundial.",
]
BANKS = {"en": EN, "fr": FR, "es": ES}
FIRST = {
    "en": ["Sarah", "John", "Amina", "Peter", "Grace", "Daniel", "Claire", "Michael"],
    "fr": ["Élodie", "Moussa", "François", "Hélène", "Aïssata", "Jérôme", "Cécile", "Noël"],
    "es": ["José", "Lucía", "María", "Tomás", "Andrés", "Sofía", "Ramón", "Inés"],
}
LAST = ["Doyel", "Konaté", "Pérez", "Fernández", "Otieno", "Müller", "Núñez", "Okafor", "Mendoza", "Diallo"]
ORGS = ["IOM", "UNHCR", "ILO", "Ville de Montréal", "Ciudad de México", "Migrant Forum", "Red de Ciudades"]
SUBJECTS = {
    "en": ["Contribution to question {q}", "[Q{q}] Our views", "Re: Question {q}", "Input on migration governance"],
    "fr": ["Contribution à la question {q}", "[Q{q}] Notre avis", "Réponse à la question {q}", "Gouvernance des migrations"],
    "es": ["Aporte a la pregunta {q}", "[Q{q}] Nuestra opinión", "Pregunta {q}: respuesta", "Gobernanza migratoria"],
}
ATTRIBUTION = {
    "en": "On {d}, GCM Consultation <contact@consultation.example.org> wrote:",
    "fr": "Le {d}, GCM Consultation <contact@consultation.example.org> a écrit :",
    "es": "El {d}, GCM Consultation <contact@consultation.example.org> escribió:",
}


def body_text(rng, lang, words):
    bank = BANKS[lang]
    out, count, para = [], 0, []
    while count < words:
        s = rng.choice(bank)
        para.append(s)
        count += len(s.split())
        if len(para) >= rng.randint(2, 5):
            out.append(" ".join(para))
            para = []
    if para:
        out.append(" ".join(para))
    return "\n\n".join(out)


_DOCS = None


def documents():
    """scripts/gen-attachments.py, for its PDF and DOCX writers."""
    global _DOCS
    if _DOCS is None:
        import importlib.util
        here = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location("attachments", os.path.join(here, "gen-attachments.py"))
        _DOCS = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_DOCS)
    return _DOCS


def real_paper(rng, lang, i, scratch):
    """A PDF or DOCX of 2-20 pages of the language's sentences: (bytes, subtype, name)."""
    docs = documents()
    pages = rng.randint(2, 20)
    heading = rng.choice(SUBJECTS[lang]).format(q=rng.randint(1, 3))
    path = os.path.join(scratch, f"paper-{i}")
    if rng.random() < 0.5:
        lines = [[heading, ""] + sum((docs.wrap(body_text(rng, lang, 60)) + [""] for _ in range(6)), [])[:50]
                 for _ in range(pages)]
        docs.write_pdf(path, lines, title=heading)
        subtype, name = "pdf", f"position-paper-{i}.pdf"
    else:
        paras = [body_text(rng, lang, 60) for _ in range(pages * 6)]
        docs.docx(path, heading, paras, title=heading)
        subtype, name = "vnd.openxmlformats-officedocument.wordprocessingml.document", f"position-paper-{i}.docx"
    with open(path, "rb") as f:
        data = f.read()
    os.remove(path)
    return data, subtype, name


def make(rng, i, base_date, attachments="fake", scratch=None):
    lang = rng.choice(["en", "fr", "es"])
    first, last = rng.choice(FIRST[lang]), rng.choice(LAST)
    org = rng.choice(ORGS)
    text = body_text(rng, lang, rng.randint(80, 600))
    text += f"\n\n{first} {last}\n{org}\n"
    q = rng.randint(1, 3)
    date = base_date + datetime.timedelta(minutes=i * 3 + rng.randint(0, 2))
    if rng.random() < 0.2:
        quoted = "\n".join("> " + line for line in body_text(rng, lang, 40).splitlines())
        text += "\n" + ATTRIBUTION[lang].format(d=format_datetime(date - datetime.timedelta(days=3))) + "\n" + quoted + "\n"
    cs = "iso-8859-1" if rng.random() < 0.3 else "utf-8"
    cte = rng.choice(["quoted-printable", "base64", "8bit"])
    if cs == "iso-8859-1" and cte == "8bit":
        cte = "quoted-printable"

    def text_part(t, subtype="plain"):
        c = email_charset.Charset(cs)
        c.body_encoding = {"quoted-printable": email_charset.QP, "base64": email_charset.BASE64, "8bit": None}[cte]
        part = MIMEText(t, subtype, c)
        return part

    kind = rng.random()
    if kind < 0.30:
        msg = MIMEMultipart("alternative")
        msg.attach(text_part(text))
        html = "<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")) + "</body></html>"
        msg.attach(text_part(html, "html"))
    elif kind < 0.35 and attachments != "none":
        msg = MIMEMultipart("mixed")
        msg.attach(text_part(text))
        if attachments == "real":
            # Its own generator: the messages stay those of --attachments none.
            data, subtype, name = real_paper(random.Random(i), lang, i, scratch)
        else:
            payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(2000, 20000)))
            data, subtype, name = b"%PDF-1.4\n" + payload, "pdf", f"position-paper-{i}.pdf"
        att = MIMEApplication(data, subtype)
        att.add_header("Content-Disposition", "attachment", filename=name)
        msg.attach(att)
    else:
        msg = text_part(text)
    msg["From"] = f"{Header(f'{first} {last}', 'utf-8').encode()} <{first.lower()}.{last.lower()}.{i}@example.org>".encode("ascii", "ignore").decode()
    msg["To"] = "contact@consultation.example.org"
    msg["Subject"] = Header(rng.choice(SUBJECTS[lang]).format(q=q), "utf-8").encode()
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<bench-{i}-{rng.getrandbits(32):08x}@example.org>"
    msg["Content-Language"] = lang
    return msg.as_bytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True)
    ap.add_argument("--attachments", choices=["fake", "real", "none"], default="fake",
                    help="the 5%% with an attachment: random bytes behind a PDF header (fake), a real "
                         "PDF or DOCX of 2-20 pages (real), or no attachment at all (none)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    random.seed(a.seed)  # the email package draws MIME boundaries from the global generator
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(a.out, sub), exist_ok=True)
    base = datetime.datetime(2022, 1, 3, 8, 0, tzinfo=datetime.timezone.utc)
    total = 0
    for i in range(a.n):
        data = make(rng, i, base, a.attachments, a.out)
        total += len(data)
        with open(os.path.join(a.out, "new", f"{1641196800 + i}.{i}.bench"), "wb") as f:
            f.write(data)
    print(f"{a.n} messages, {total / 1e6:.1f} MB in {a.out}")


if __name__ == "__main__":
    main()
