#!/usr/bin/env python3
"""tests/ui/qr_text_to_pgm.py: a QR code drawn as text (a tmux capture of the
console) back into an image zbarimg can read.

usage: qr_text_to_pgm.py half|ascii SCREEN.txt OUT.pgm

half:  Unicode half blocks, two module rows per text row, one column per
       module (█ both dark, ▀ top dark, ▄ bottom dark, space light);
ascii: "##" per dark module, two columns per module, one text row per module
       row.
Only the lines that hold the code are used: those with a block character (or
'#'); the columns are cut at the leftmost and rightmost dark module, and a
white border is added, so the caption and the frame around it do not matter.
"""
import sys

SCALE = 6
BORDER = 4  # modules of white around the code


def modules(style, lines):
    rows = []
    if style == "half":
        code = [l for l in lines if any(c in l for c in "█▀▄")]
        for l in code:
            top = [c in "█▀" for c in l]
            bot = [c in "█▄" for c in l]
            rows += [top, bot]
    else:
        code = [l for l in lines if "##" in l]
        for l in code:
            rows.append([l[i:i + 2] == "##" for i in range(0, len(l) - 1)])
    if not rows:
        sys.exit("no code on the screen")
    return rows


def main():
    style, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(src, encoding="utf-8") as f:
        lines = f.read().split("\n")
    rows = modules(style, lines)
    cols = [i for r in rows for i, d in enumerate(r) if d]
    left, right = min(cols), max(cols)
    step = 2 if style == "ascii" else 1
    # ASCII: a module starts where the leftmost "##" starts.
    width = (right - left) // step + 1
    grid = []
    for r in rows:
        grid.append([left + i * step < len(r) and r[left + i * step] for i in range(width)])
    while grid and not any(grid[0]):
        grid.pop(0)
    while grid and not any(grid[-1]):
        grid.pop()
    h, w = len(grid) + 2 * BORDER, width + 2 * BORDER
    pix = bytearray()
    for y in range(h * SCALE):
        my = y // SCALE - BORDER
        row = bytearray()
        for x in range(w):
            mx = x - BORDER
            dark = 0 <= my < len(grid) and 0 <= mx < width and grid[my][mx]
            row += bytes([0 if dark else 255]) * SCALE
        pix += row
    with open(out, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w * SCALE, h * SCALE))
        f.write(pix)


if __name__ == "__main__":
    main()
