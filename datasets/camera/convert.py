#!/usr/bin/env python3
"""Converts scikit-image's `camera.png` (512x512, 8-bit grey, CC0) into `camera-128.pgm`: the
same photograph averaged over 4x4 blocks (128x128, rounded half up), as a binary PGM (P5).

    pip download --no-deps scikit-image==0.26.0 -d /tmp/skimage
    python3 datasets/camera/convert.py /tmp/skimage/scikit_image-0.26.0-*.whl datasets/camera/camera-128.pgm

Standard library only: the PNG is decoded here (8-bit greyscale, not interlaced: what this file
is; anything else is refused).
"""
import hashlib
import struct
import sys
import zipfile
import zlib

WHEEL_SHA256 = "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af"
PNG_SHA256 = "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a"
MEMBER = "skimage/data/camera.png"
BLOCK = 4


def decode_grey_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    assert (depth, colour, interlace) == (8, 0, 0), "expected 8-bit greyscale, not interlaced"
    raw = zlib.decompress(idat)
    rows, prev = [], bytearray(width)
    for y in range(height):
        line = raw[y * (width + 1) : (y + 1) * (width + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for x in range(width):
            a = cur[x - 1] if x > 0 else 0
            b = prev[x]
            c = prev[x - 1] if x > 0 else 0
            if kind == 1:
                cur[x] = (cur[x] + a) & 255
            elif kind == 2:
                cur[x] = (cur[x] + b) & 255
            elif kind == 3:
                cur[x] = (cur[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (cur[x] + pred) & 255
            else:
                assert kind == 0, f"unknown PNG filter {kind}"
        rows.append(bytes(cur))
        prev = cur
    return width, height, rows


def main(wheel, out):
    blob = open(wheel, "rb").read()
    assert hashlib.sha256(blob).hexdigest() == WHEEL_SHA256, "not the pinned scikit-image 0.26.0 wheel"
    png = zipfile.ZipFile(wheel).read(MEMBER)
    assert hashlib.sha256(png).hexdigest() == PNG_SHA256, "camera.png differs from the pinned one"
    width, height, rows = decode_grey_png(png)
    w, h = width // BLOCK, height // BLOCK
    pixels = bytearray()
    for by in range(h):
        for bx in range(w):
            s = sum(rows[by * BLOCK + i][bx * BLOCK + j] for i in range(BLOCK) for j in range(BLOCK))
            pixels.append((2 * s + BLOCK * BLOCK) // (2 * BLOCK * BLOCK))
    with open(out, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h) + bytes(pixels))
    print(out, w, "x", h, hashlib.sha256(open(out, "rb").read()).hexdigest())


if __name__ == "__main__":
    main(*sys.argv[1:3])
