#!/usr/bin/env python3
"""Renders a terminal capture (`tmux capture-pane -p -e`) to a PNG, so READMEs can show the real colours.

    python3 ansi_to_png.py screen.ansi screen.png

Understands the SGR sequences tmux writes: reset, reverse, 8/16/256 colours and 24-bit colours.
Needs Pillow and the DejaVu Sans Mono font (Debian: fonts-dejavu-core); only for documentation.
"""
import re
import sys

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
SIZE = 15
DEFAULT_FG, DEFAULT_BG = (220, 220, 220), (30, 30, 30)
BASIC = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205),
         (229, 229, 229), (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234),
         (214, 112, 214), (41, 184, 219), (255, 255, 255)]


def xterm256(n):
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        level = [0, 95, 135, 175, 215, 255]
        return level[n // 36], level[(n // 6) % 6], level[n % 6]
    grey = 8 + 10 * (n - 232)
    return grey, grey, grey


class Pen:
    """The SGR state. It carries over from one captured line to the next: tmux writes a colour once and does
    not repeat it at the start of the following lines, so a highlight that wraps keeps its colour."""

    def __init__(self):
        self.fg, self.bg, self.reverse = None, None, False


def cells(line, pen=None):
    """(character, fg, bg) for each character of one captured line, starting from (and updating) `pen`."""
    pen = pen or Pen()
    fg, bg, reverse = pen.fg, pen.bg, pen.reverse
    for token in re.split(r"(\x1b\[[0-9;:]*m)", line):
        if token.startswith("\x1b["):
            codes = [int(c) if c else 0 for c in re.split(r"[;:]", token[2:-1])] or [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    fg, bg, reverse = None, None, False
                elif c == 7:
                    reverse = True
                elif c == 27:
                    reverse = False
                elif 30 <= c <= 37 or 90 <= c <= 97:
                    fg = BASIC[c - 30 if c < 90 else c - 82]
                elif 40 <= c <= 47 or 100 <= c <= 107:
                    bg = BASIC[c - 40 if c < 100 else c - 92]
                elif c == 39:
                    fg = None
                elif c == 49:
                    bg = None
                elif c in (38, 48) and i + 1 < len(codes):
                    if codes[i + 1] == 5:
                        colour, i = xterm256(codes[i + 2]), i + 2
                    else:
                        colour, i = tuple(codes[i + 2:i + 5]), i + 4
                    if c == 38:
                        fg = colour
                    else:
                        bg = colour
                i += 1
            pen.fg, pen.bg, pen.reverse = fg, bg, reverse
        else:
            for ch in token:
                f, b = fg or DEFAULT_FG, bg or DEFAULT_BG
                yield (ch, b, f) if reverse else (ch, f, b)


def screen_cells(lines):
    """The cells of every line, the colour state running on from line to line."""
    pen = Pen()
    return [list(cells(line, pen)) for line in lines]


def render(lines, path):
    from PIL import Image, ImageDraw, ImageFont  # only rendering needs Pillow

    font = ImageFont.truetype(FONT, SIZE)
    width = int(font.getlength("M"))
    height = SIZE + 4
    rows = screen_cells(lines)
    columns = max(len(r) for r in rows)
    image = Image.new("RGB", (columns * width + 16, len(rows) * height + 16), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(rows):
        for x, (ch, fg, bg) in enumerate(row):
            left, top = 8 + x * width, 8 + y * height
            draw.rectangle([left, top, left + width - 1, top + height - 1], fill=bg)
            draw.text((left, top + 1), ch, font=font, fill=fg)
    image.save(path)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        render(f.read().rstrip("\n").split("\n"), sys.argv[2])
