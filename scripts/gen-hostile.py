#!/usr/bin/env python3
"""Writes the hostile-mail corpus into fixtures/hostile/ (small files, committed), or,
with --big DIR, only the large one into DIR (a 100 MB message, generated at test time).

    python3 scripts/gen-hostile.py            # rewrite fixtures/hostile/*.eml
    python3 scripts/gen-hostile.py --big DIR  # write DIR/100mb.eml only
"""
import base64
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "hostile")
H = "From: Mallory <mallory@example.net>\r\nTo: contact@consultation.example.org\r\n"


def w(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    if "--big" in sys.argv:
        big(sys.argv[sys.argv.index("--big") + 1])
        return
    os.makedirs(OUT, exist_ok=True)
    w("truncated-mime.eml", H + "Subject: truncated\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nThe message stops in the middle of a part about labour migra")
    w("missing-boundary.eml", H + "Subject: no boundary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n--\r\nContent-Type: text/plain\r\n\r\nA multipart without a boundary parameter, about remittance costs.\r\n")
    w("wrong-boundary.eml", H + "Subject: wrong boundary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=aaa\r\n\r\n--bbb\r\nContent-Type: text/plain\r\n\r\nParts delimited by another boundary than declared.\r\n--bbb--\r\n")
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(5000))
    w("boundary-bomb-5000-parts.eml", H + "Subject: many parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + "--b--\r\n")
    depth = 500
    s = H + "Subject: deep\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for i in range(1, depth):
        s += f"--b{i-1}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n"
    s += f"--b{depth-1}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" + "".join(f"--b{i}--\r\n" for i in range(depth - 1, -1, -1))
    w("nesting-500-multiparts.eml", s)
    inner = "From: a@b.c\r\nSubject: inner\r\n\r\nbody\r\n"
    for i in range(200):
        inner = H + f"Subject: level {i}\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    w("nesting-200-messages.eml", inner)
    w("unknown-charset.eml", H.encode() + b"Subject: charset\r\nContent-Type: text/plain; charset=x-klingon\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xc3\x28\xa0\xa1 garbled \xff\xfe\r\n")
    w("exotic-charset-utf7.eml", H + "Subject: =?UTF-7?Q?Migraci+APM-n?=\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nMigraci+APM-n laboral y remesas: una contribuci+APM-n en UTF-7 sobre los costos.\r\n")
    w("invalid-base64.eml", H + "Subject: base64\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!not*base64$$$$\r\nQUJD===\r\n====\r\n")
    w("invalid-qp.eml", H + "Subject: qp\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nBroken =ZZ escapes =\r\n=C3= and a soft break at the end=")
    w("nul-bytes.eml", (H + "Subject: nul\x00bytes\r\nContent-Type: text/plain\r\n\r\nText with \x00 NUL \x00\x00 bytes in it about labour migration.\r\n").encode())
    w("8bit-headers.eml", H.encode() + "Subject: Contribución sobre la diáspora\r\nX-Name: Jérôme Noël\r\n\r\nRaw 8-bit UTF-8 in headers, not RFC 2047 encoded.\r\n".encode("utf-8") + b"X-Latin1: \xe9t\xe9\r\n")
    w("header-injection.eml", "From: =?UTF-8?Q?Evil=0D=0ABcc=3A_victim=40example=2Eorg?= <evil@example.net>\r\nTo: contact@consultation.example.org\r\nSubject: =?UTF-8?Q?hello=0D=0AX-Injected=3A_1?=\r\n\r\nAn attempt to smuggle headers through encoded CR LF in the name and subject.\r\n")
    w("10000-line-header.eml", H + "Subject: long header\r\n" + "".join(f"X-Filler-{i}: {'x' * 40}\r\n" for i in range(10000)) + "\r\nbody\r\n")
    att = base64.b64encode(b"#!/bin/sh\necho pwned\n").decode()
    for name, fname in [("dotdot", "../../../../etc/cron.d/evil"), ("absolute", "/etc/passwd"), ("control", "re\x07po\x1brt\r\n.pdf"), ("windows", "C:\\Windows\\system32\\evil.dll"), ("hidden", ".bashrc"), ("html", "<img src=x onerror=alert(1)>.pdf")]:
        w(f"attachment-name-{name}.eml", H + f"Subject: attachment {name}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nPlease find our paper on remittance corridors attached ({name}).\r\n--z\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{fname}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{att}\r\n--z--\r\n")
    w("html-with-scripts.eml", H + "Subject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><script>alert(document.cookie)</script><p onclick=\"alert(1)\">Our view on <b>remittances</b> and migrant workers' financial inclusion.</p><iframe src=\"javascript:alert(1)\"></iframe><style>body{display:none}</style></body></html>\r\n")
    w("garbage.eml", bytes((i * 7919 + 13) % 256 for i in range(4096)))
    w("empty.eml", b"")
    w("only-whitespace.eml", b"\r\n\r\n   \r\n")
    w("no-body.eml", H + "Subject: headers only")
    w("terminal-escapes.eml", terminal_escapes())


def terminal_escapes():
    """Mail that would drive a moderator's terminal if printed as it came: OSC 52 (write
    the clipboard), OSC 0 (retitle the window), CSI and C1 CSI (colour, conceal, clear),
    a carriage return that overwrites a line, and a bidirectional override."""
    def b64(text):
        return base64.b64encode(text.encode("utf-8")).decode()
    subject = "=?utf-8?b?" + b64("[Q1] Remittances \x1b]0;owned\x07 and fees") + "?="
    name = "=?utf-8?b?" + b64("Mallory \x1b[31mRed\x1b[0m") + "?="
    body = (
        "Our position on remittances and the cost of sending money home to families.\x1b]52;c;ZWNobyBwd25lZA==\x07 "
        "Costs must fall for migrant workers who send money every month.\x1b]0;hubmail owned\x07 "
        "Fees \u009b31m matter to households.\u202e desrever\u202c The end of our text.\r"
        "Overwritten line about labour migration pathways.\n\n"
        "On Mon, 10 Jan 2022, Contact wrote:\n> \x1b[2J cleared screen\n\n"
        "-- \nMallory \x1b[8mhidden\x1b[0m\nAlliance\n"
    )
    return (
        f"From: {name} <mallory@example.net>\r\nTo: contact@consultation.example.org\r\n"
        f"Subject: {subject}\r\nMessage-ID: <terminal-escapes@example.net>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n"
        "--z\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b64(body) + "\r\n--z\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename*=utf-8''paper%1B%5D52%3Bc%3Bx%07.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--z--\r\n"
    )


def big(folder):
    """Only the large message, into `folder` (never into the repository)."""
    if True:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "100mb.eml"), "wb") as f:
            f.write((H + "Subject: a 100 MB message\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nA very large position paper follows.\r\n--q\r\nContent-Type: application/pdf; name=big.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n").encode())
            line = (b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0" + b"\r\n")
            for _ in range(100 * 1024 * 1024 // len(line)):
                f.write(line)
            f.write(b"--q--\r\n")


if __name__ == "__main__":
    main()
