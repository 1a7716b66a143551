"""Grouped bar chart as a real PNG, with nothing but the Python standard library (zlib).

matplotlib and gnuplot are not on a fresh machine, so the harness draws its own chart: an RGB canvas, filled
rectangles, lines, and text in a built-in 5x7 bitmap font (upper case; lower case is drawn as upper case).
"""

import struct
import zlib

# 5x7 glyphs, one string of 5 characters ('#' = ink) per row.
_FONT_ROWS = {
    " ": ["     "] * 7,
    "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
    "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
    "3": ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
    "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
    "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
    "6": ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
    "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
    "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
    "9": [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
    "A": [" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "B": ["#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "],
    "C": [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "],
    "D": ["###  ", "#  # ", "#   #", "#   #", "#   #", "#  # ", "###  "],
    "E": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"],
    "F": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "],
    "G": [" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"],
    "H": ["#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "I": [" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    "J": ["  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "],
    "K": ["#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"],
    "L": ["#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"],
    "M": ["#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"],
    "N": ["#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"],
    "O": [" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
    "P": ["#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "],
    "Q": [" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"],
    "R": ["#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"],
    "S": [" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "],
    "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "],
    "U": ["#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
    "V": ["#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "],
    "W": ["#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "],
    "X": ["#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"],
    "Y": ["#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "],
    "Z": ["#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"],
    ".": ["     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "],
    ",": ["     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "],
    ":": ["     ", " ##  ", " ##  ", "     ", " ##  ", " ##  ", "     "],
    "-": ["     ", "     ", "     ", "#####", "     ", "     ", "     "],
    "+": ["     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "],
    "/": ["    #", "    #", "   # ", "  #  ", " #   ", "#    ", "#    "],
    "(": ["   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "],
    ")": [" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "],
    "%": ["##   ", "##  #", "   # ", "  #  ", " #   ", "#  ##", "   ##"],
    "=": ["     ", "     ", "#####", "     ", "#####", "     ", "     "],
    "_": ["     ", "     ", "     ", "     ", "     ", "     ", "#####"],
    ">": [" #   ", "  #  ", "   # ", "    #", "   # ", "  #  ", " #   "],
    "<": ["   # ", "  #  ", " #   ", "#    ", " #   ", "  #  ", "   # "],
    "#": [" # # ", " # # ", "#####", " # # ", "#####", " # # ", " # # "],
    "?": [" ### ", "#   #", "    #", "   # ", "  #  ", "     ", "  #  "],
    "'": ["  #  ", "  #  ", " #   ", "     ", "     ", "     ", "     "],
    "*": ["     ", "  #  ", "# # #", " ### ", "# # #", "  #  ", "     "],
    "[": [" ### ", " #   ", " #   ", " #   ", " #   ", " #   ", " ### "],
    "]": [" ### ", "   # ", "   # ", "   # ", "   # ", "   # ", " ### "],
}
_FONT = {ch: [[c == "#" for c in row] for row in rows] for ch, rows in _FONT_ROWS.items()}


class Canvas:
    """An RGB image with drawing primitives; save() writes a PNG (8-bit RGB, zlib, no filter)."""

    def __init__(self, width, height, background=(255, 255, 255)):
        self.width = width
        self.height = height
        self._rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def pixel(self, x, y, color):
        if 0 <= x < self.width and 0 <= y < self.height:
            i = 3 * x
            self._rows[y][i:i + 3] = bytes(color)

    def rect(self, x0, y0, x1, y1, color):
        """Filled rectangle, corners inclusive-exclusive, clipped to the canvas."""
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        if x0 >= x1:
            return
        run = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            self._rows[y][3 * x0:3 * x1] = run

    def hline(self, x0, x1, y, color):
        self.rect(x0, y, x1 + 1, y + 1, color)

    def vline(self, x, y0, y1, color):
        self.rect(x, y0, x + 1, y1 + 1, color)

    @staticmethod
    def text_width(text, scale=1):
        return len(text) * 6 * scale - scale if text else 0

    def text(self, x, y, text, color=(0, 0, 0), scale=1, anchor="left"):
        """Draws text with its top at y; anchor 'left', 'center' or 'right' at x."""
        w = self.text_width(text, scale)
        if anchor == "center":
            x -= w // 2
        elif anchor == "right":
            x -= w
        for ch in text:
            glyph = _FONT.get(ch.upper(), _FONT["?"])
            for gy, row in enumerate(glyph):
                for gx, ink in enumerate(row):
                    if ink:
                        self.rect(x + gx * scale, y + gy * scale, x + (gx + 1) * scale, y + (gy + 1) * scale, color)
            x += 6 * scale

    def save(self, path):
        raw = b"".join(b"\x00" + bytes(row) for row in self._rows)

        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n")
            f.write(chunk(b"IHDR", header))
            f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
            f.write(chunk(b"IEND", b""))


def _nice_ceiling(value):
    """The smallest 1/2/2.5/5 x 10^k at or above value (axis maximum)."""
    if value <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def grouped_bar_chart(path, title, subtitle, panels, series, unit="MBIT/S"):
    """
    Draws panels side by side, each a group of categories with one bar per series.

    panels: [(panel_title, [(category_label, [value_or_None per series]), ...]), ...]
    series: [(series_label, (r, g, b)), ...]
    A None value draws a grey "X" marker (failed or not measured).
    """
    scale = 2
    bar_w = 30
    bar_gap = 3
    cat_gap = 30
    panel_gap = 40
    left = 90
    top = 112
    plot_h = 360
    bottom = 120

    panel_widths = []
    for _, cats in panels:
        n = max(1, len(cats))
        panel_widths.append(n * (len(series) * (bar_w + bar_gap) - bar_gap) + (n - 1) * cat_gap + 2 * 16)
    content = left + sum(panel_widths) + panel_gap * (len(panels) - 1) + 30
    width = max(content, Canvas.text_width(title, scale) + 40, Canvas.text_width(subtitle) + 40)
    shift = (width - content) // 2  # a narrow plot (one panel) sits in the middle under the title
    left += shift
    content += shift
    height = top + plot_h + bottom

    values = [v for _, cats in panels for _, vs in cats for v in vs if v is not None]
    vmax = _nice_ceiling(max(values) * 1.1 if values else 1.0)

    c = Canvas(width, height)
    c.text(width // 2, 12, title, scale=scale, anchor="center")
    c.text(width // 2, 36, subtitle, color=(80, 80, 80), scale=1, anchor="center")

    # Legend.
    lx = width // 2 - sum(Canvas.text_width(lbl, scale) + 40 for lbl, _ in series) // 2
    for label, color in series:
        c.rect(lx, 62, lx + 14, 76, color)
        c.text(lx + 20, 62, label, scale=scale)
        lx += Canvas.text_width(label, scale) + 40

    y0 = top + plot_h  # the axis line
    grid = (225, 225, 225)
    for i in range(0, 6):
        v = vmax * i / 5
        y = y0 - int(plot_h * i / 5)
        c.hline(left, content - 20, y, grid if i else (0, 0, 0))
        label = f"{v:,.0f}" if vmax >= 50 else f"{v:.1f}"
        c.text(left - 8, y - 7, label.replace(",", " "), scale=scale, anchor="right")
    c.vline(left, top, y0, (0, 0, 0))
    c.text(left - 78, top - 26, unit, scale=scale)

    x = left + 16
    for (panel_title, cats), pw in zip(panels, panel_widths):
        c.text(x + (pw - 32) // 2, y0 + 80, panel_title, scale=scale, anchor="center")
        for cat_label, vs in cats:
            group_w = len(series) * (bar_w + bar_gap) - bar_gap
            for (_, color), v in zip(series, vs):
                if v is None:
                    c.text(x + bar_w // 2, y0 - 18, "X", color=(150, 150, 150), scale=scale, anchor="center")
                else:
                    h = int(plot_h * min(v, vmax) / vmax)
                    c.rect(x, y0 - h, x + bar_w, y0, color)
                    txt = f"{v:.0f}" if v >= 10 else f"{v:.1f}"
                    c.text(x + bar_w // 2, y0 - h - 10, txt, scale=1, anchor="center")
                x += bar_w + bar_gap
            x -= bar_gap
            lines = cat_label.split("\n")
            for i, line in enumerate(lines):
                c.text(x - group_w // 2, y0 + 10 + i * 18, line, scale=scale, anchor="center")
            x += cat_gap
        x += -cat_gap + 32 + panel_gap - 16
        if panel_title is not panels[-1][0]:
            c.vline(x - panel_gap // 2 - 8, top, y0 + 100, (200, 200, 200))
        x += 0
    c.save(path)
