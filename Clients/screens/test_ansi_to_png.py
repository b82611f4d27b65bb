"""ansi_to_png's reading of tmux captures: colours that tmux does not repeat on the next line carry over."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ansi_to_png  # noqa: E402

BLUE = (33, 102, 172)


class ColourStateTests(unittest.TestCase):
    def test_a_background_continues_on_the_next_line(self):
        # what `tmux capture-pane -p -e` writes for a highlight that wraps: the colour once, no reset at the
        # end of the first line, nothing again at the start of the second
        lines = ["ab\x1b[48;2;33;102;172mcd", "ef\x1b[0mgh"]
        rows = ansi_to_png.screen_cells(lines)
        self.assertEqual([bg for _, _, bg in rows[0]], [ansi_to_png.DEFAULT_BG] * 2 + [BLUE] * 2)
        self.assertEqual([bg for _, _, bg in rows[1]], [BLUE] * 2 + [ansi_to_png.DEFAULT_BG] * 2)

    def test_reverse_and_256_colours_carry_over_until_reset(self):
        rows = ansi_to_png.screen_cells(["\x1b[7;38;5;196mx", "y", "\x1b[27mz"])
        red = ansi_to_png.xterm256(196)
        self.assertEqual(rows[0][0], ("x", ansi_to_png.DEFAULT_BG, red))
        self.assertEqual(rows[1][0], ("y", ansi_to_png.DEFAULT_BG, red))
        self.assertEqual(rows[2][0], ("z", red, ansi_to_png.DEFAULT_BG))

    def test_one_line_alone_starts_from_the_defaults(self):
        self.assertEqual(list(ansi_to_png.cells("a")), [("a", ansi_to_png.DEFAULT_FG, ansi_to_png.DEFAULT_BG)])


if __name__ == "__main__":
    unittest.main()
