#!/usr/bin/env python3
"""Generates the attachment fixtures (fixtures/attachments/): documents in English, French
and Spanish built from the benchmark's sentence banks (real language, not lorem ipsum),
and the hostile ones, each with a message that carries it. The expected outcome of each
is in fixtures/attachments/expected.toml, written by hand.

    python3 scripts/gen-attachments.py          # rewrites fixtures/attachments/

PDFs are written directly (text in Helvetica, WinAnsi encoding); the encrypted one is
made with qpdf (Debian: qpdf, installed when missing); DOCX and ODT are zip archives of
their XML parts. The same files every run (fixed dates, seeded sentence choice), except
the encrypted PDF, whose salt qpdf draws at random."""
import importlib.util
import os
import random
import shutil
import subprocess
import zipfile
import zlib
from email.message import EmailMessage
from email.utils import format_datetime
import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "attachments")

spec = importlib.util.spec_from_file_location("corpus", os.path.join(ROOT, "scripts", "gen-corpus.py"))
corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(corpus)
BANK = {"en": corpus.EN, "fr": corpus.FR, "es": corpus.ES}
DATE = datetime.datetime(2022, 2, 1, 9, 0, tzinfo=datetime.timezone.utc)
ZIP_DATE = (2022, 2, 1, 9, 0, 0)


def paragraphs(lang, n, seed):
    rng = random.Random(seed)
    return [" ".join(rng.sample(BANK[lang], 4)) for _ in range(n)]


def pdf_string(text):
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def wrap(text, width=90):
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


def write_pdf(path, pages, title=None, image=False):
    """pages: a list of lists of lines. image: one grey picture per page and no text."""
    objects = []

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_obj = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        if image:
            pixels = bytes((x * 7 + y * 3) % 256 for y in range(64) for x in range(64))
            img = add(b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                      b"/BitsPerComponent 8 /Length " + str(len(pixels)).encode() + b" >>\nstream\n" + pixels + b"\nendstream")
            content = b"q 400 0 0 400 100 300 cm /Im1 Do Q"
            resources = b"<< /XObject << /Im1 " + str(img).encode() + b" 0 R >> >>"
        else:
            content = b"BT /F1 11 Tf 14 TL 56 790 Td " + b" ".join(pdf_string(l) + b" Tj T*" for l in lines) + b" ET"
            resources = b"<< /Font << /F1 " + str(font).encode() + b" 0 R >> >>"
        stream = add(b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent " + str(pages_obj).encode() + b" 0 R /MediaBox [0 0 595 842] "
                        b"/Resources " + resources + b" /Contents " + str(stream).encode() + b" 0 R >>"))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages " + str(pages_obj).encode() + b" 0 R >>"
    objects[pages_obj - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(str(k).encode() + b" 0 R" for k in kids)
                              + b"] /Count " + str(len(kids)).encode() + b" >>")
    info = add(b"<< /Producer (hubmail scripts/gen-attachments.py)"
               + (b" /Title " + pdf_string(title) if title else b"") + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += str(i).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root " + str(catalog).encode()
            + b" 0 R /Info " + str(info).encode() + b" 0 R >>\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n")
    with open(path, "wb") as f:
        f.write(out)


def text_pages(lang, n_pages, seed, heading=None):
    pages = []
    for p in range(n_pages):
        lines = [heading, ""] if heading and p == 0 else []
        for para in paragraphs(lang, 4, seed * 1000 + p):
            lines += wrap(para) + [""]
        pages.append(lines[:50])
    return pages


def zip_write(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data, method in entries:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = method
            z.writestr(info, data)


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')


def docx(path, heading, paras, title=None, body_xml=None):
    if body_xml is None:
        ps = [f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>{esc(heading)}</w:t></w:r></w:p>']
        for para in paras:
            half = len(para) // 2
            ps.append(f'<w:p><w:r><w:t xml:space="preserve">{esc(para[:half])}</w:t></w:r>'
                      f'<w:r><w:rPr><w:b/></w:rPr><w:t>{esc(para[half:])}</w:t></w:r></w:p>')
        body_xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{"".join(ps)}</w:body></w:document>'
    entries = [("[Content_Types].xml", CONTENT_TYPES, zipfile.ZIP_DEFLATED),
               ("word/document.xml", body_xml, zipfile.ZIP_DEFLATED)]
    if title:
        entries.append(("docProps/core.xml",
                        '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
                        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{esc(title)}</dc:title></cp:coreProperties>',
                        zipfile.ZIP_DEFLATED))
    zip_write(path, entries)


def odt(path, heading, paras, title):
    body = "".join(f"<text:p>{esc(p)}</text:p>" for p in paras)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               f'<text:h text:outline-level="1">{esc(heading)}</text:h>{body}</office:text></office:body></office:document-content>')
    meta = ('<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<office:meta><dc:title>{esc(title)}</dc:title></office:meta></office:document-meta>')
    zip_write(path, [("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED),
                     ("content.xml", content, zipfile.ZIP_DEFLATED),
                     ("meta.xml", meta, zipfile.ZIP_DEFLATED)])


def zip_bomb(path):
    """A DOCX whose document.xml unzips to 256 MiB of spaces inside a paragraph."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body><w:p><w:r><w:t>'.encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    size = 1 << 28
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(head)
    deflated = [comp.compress(head)]
    chunk = b" " * (1 << 20)
    for _ in range(size >> 20):
        crc = zlib.crc32(chunk, crc)
        deflated.append(comp.compress(chunk))
    crc = zlib.crc32(tail, crc)
    deflated.append(comp.compress(tail))
    deflated.append(comp.flush())
    data = b"".join(deflated)
    total = len(head) + size + len(tail)
    # A zip written by hand: zipfile would inflate nothing, but wants the data in memory.
    name = b"word/document.xml"
    ct = CONTENT_TYPES.encode()
    out = bytearray()
    central = bytearray()
    for fname, method, comp_bytes, crc_v, usize in (
            (b"[Content_Types].xml", 0, ct, zlib.crc32(ct), len(ct)),
            (name, 8, data, crc, total)):
        offset = len(out)
        out += (b"PK\x03\x04" + (20).to_bytes(2, "little") + b"\0\0" + method.to_bytes(2, "little")
                + b"\0\0\x21\x54" + crc_v.to_bytes(4, "little") + len(comp_bytes).to_bytes(4, "little")
                + usize.to_bytes(4, "little") + len(fname).to_bytes(2, "little") + b"\0\0" + fname + comp_bytes)
        central += (b"PK\x01\x02" + (20).to_bytes(2, "little") + (20).to_bytes(2, "little") + b"\0\0"
                    + method.to_bytes(2, "little") + b"\0\0\x21\x54" + crc_v.to_bytes(4, "little")
                    + len(comp_bytes).to_bytes(4, "little") + usize.to_bytes(4, "little")
                    + len(fname).to_bytes(2, "little") + b"\0\0\0\0\0\0\0\0\0\0\0\0"
                    + offset.to_bytes(4, "little") + fname)
    cd_offset = len(out)
    out += central
    out += (b"PK\x05\x06\0\0\0\0" + (2).to_bytes(2, "little") + (2).to_bytes(2, "little")
            + len(central).to_bytes(4, "little") + cd_offset.to_bytes(4, "little") + b"\0\0")
    with open(path, "wb") as f:
        f.write(out)


def message(name, lang, subject, body, attachment, content_type, filename):
    msg = EmailMessage()
    msg["From"] = {"en": "Grace Mensah <g.mensah@example.org>", "fr": "Claire Dubois <c.dubois@example.fr>",
                   "es": "Lucía Romero <l.romero@example.es>"}[lang]
    msg["To"] = "contact+q1@consultation.example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(DATE)
    msg["Message-ID"] = f"<attachment-{name}@fixtures.example.org>"
    # The subject in the text too: the same sender and text would be a duplicate.
    msg.set_content(body.replace("{subject}", subject))
    maintype, subtype = content_type.split("/")
    with open(os.path.join(OUT, attachment), "rb") as f:
        msg.add_attachment(f.read(), maintype=maintype, subtype=subtype, filename=filename)
    msg.set_boundary(f"hubmail-fixture-{name}")
    with open(os.path.join(OUT, f"{name}.eml"), "wb") as f:
        f.write(bytes(msg))


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f != "expected.toml":
            os.remove(os.path.join(OUT, f))
    p = lambda f: os.path.join(OUT, f)
    en_pages = text_pages("en", 3, 1, "Position paper on fair recruitment")
    # What the paper is about, said only inside it (the cover notes never name objectives).
    en_pages[0].insert(2, "This paper addresses GCM objective 6 and objective 22.")
    write_pdf(p("position-paper-en.pdf"), en_pages, title="Position paper on fair recruitment")
    fr_pages = text_pages("fr", 2, 2, "Contribution de la ville")
    # A rare word that occurs only inside this attachment, for the search test.
    fr_pages[1].append("Nous proposons enfin une charte de l'hospitalité transfrontalière.")
    write_pdf(p("contribution-fr.pdf"), fr_pages, title="Contribution de la ville de Lyon")
    docx(p("ponencia-es.docx"), "Ponencia sobre migración laboral", paragraphs("es", 6, 3),
         title="Ponencia sobre migración laboral")
    odt(p("note-fr.odt"), "Note sur la protection consulaire", paragraphs("fr", 5, 4),
        "Note sur la protection consulaire")
    write_pdf(p("scanned.pdf"), [[], []], image=True)
    write_pdf(p("thousand-pages.pdf"), [[f"Page {i + 1}"] + wrap(paragraphs("en", 1, 100 + i)[0]) for i in range(1000)],
              title="Annual compilation")
    if shutil.which("qpdf") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "qpdf"], check=True)
    subprocess.run(["qpdf", "--encrypt", "secret", "owner-secret", "256", "--", p("position-paper-en.pdf"),
                    p("encrypted.pdf")], check=True)
    zip_bomb(p("bomb.docx"))
    deep = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>' + "<w:p>" * 100_000
            + "<w:r><w:t>deep</w:t></w:r>" + "</w:p>" * 100_000 + "</w:body></w:document>")
    docx(p("deep.docx"), "", [], body_xml=deep)
    # A DOCX sent as "report.pdf", declared application/pdf.
    docx(p("lies.docx"), "Informe de la red de ciudades", paragraphs("es", 3, 5))
    with open(p("notes-en.rtf"), "w", encoding="ascii") as f:
        f.write("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times New Roman;}}\n{\\pard\\b Notes on remittances\\b0\\par}\n"
                + "".join("{\\pard " + para + "\\par}\n" for para in paragraphs("en", 3, 6)) + "}\n")

    note = {"en": "Dear colleagues,\n\nPlease find attached our contribution ({subject}).\n\nBest regards,\nGrace Mensah\n",
            "fr": "Madame, Monsieur,\n\nVeuillez trouver ci-joint notre contribution ({subject}).\n\nBien cordialement,\nClaire Dubois\n",
            "es": "Estimados señores:\n\nAdjunto nuestra contribución ({subject}).\n\nAtentamente,\nLucía Romero\n"}
    for name, lang, subject, attachment, ctype, filename in [
        ("pdf-en", "en", "Position paper", "position-paper-en.pdf", "application/pdf", "position-paper.pdf"),
        ("pdf-fr", "fr", "Contribution de Lyon", "contribution-fr.pdf", "application/pdf", "contribution.pdf"),
        # A French cover note to an English paper.
        ("note-fr-paper-en", "fr", "Document de position", "position-paper-en.pdf", "application/pdf",
         "position-paper.pdf"),
        ("docx-es", "es", "Ponencia", "ponencia-es.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "ponencia.docx"),
        ("odt-fr", "fr", "Note", "note-fr.odt", "application/vnd.oasis.opendocument.text", "note.odt"),
        ("scanned", "en", "Scanned letter", "scanned.pdf", "application/pdf", "scan.pdf"),
        ("encrypted", "en", "Protected paper", "encrypted.pdf", "application/pdf", "protected.pdf"),
        ("thousand-pages", "en", "Compilation", "thousand-pages.pdf", "application/pdf", "compilation.pdf"),
        ("bomb", "en", "Our paper", "bomb.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "paper.docx"),
        ("deep", "en", "Our other paper", "deep.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "other.docx"),
        ("lies", "es", "Informe", "lies.docx", "application/pdf", "informe.pdf"),
        ("rtf-en", "en", "Notes", "notes-en.rtf", "application/rtf", "notes.rtf"),
    ]:
        message(name, lang, subject, note[lang], attachment, ctype, filename)


if __name__ == "__main__":
    main()
