"""course_render: the one renderer of the runtime's output (figures, notices, errors, checks) as HTML."""

from __future__ import annotations

import base64
import json
import math
import re
import struct
import sys
import time
import zlib
from html.parser import HTMLParser

import pytest

from build_tools.blocks import contract
from tests.support import ROOT

sys.path.insert(0, str(ROOT / "build_tools" / "blocks" / "runtime"))
import course_render  # noqa: E402
from course_render import format_number  # noqa: E402

HOSTILE = '<script>alert("x")</script>&'


class Tree(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML string."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts, self.text_of, self.owner = [], [], {}, None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.owner = len(self.tags) - 1

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)
        self.text_of[self.owner] = self.text_of.get(self.owner, "") + data

    def labels(self, cls: str) -> list[str]:
        """The texts of the <text> elements of class `cls`, in order."""
        return [self.text_of.get(i, "") for i, (t, a) in enumerate(self.tags)
                if t == "text" and cls in a.get("class", "").split()]

    def find(self, tag: str, cls: str | None = None) -> list[dict]:
        return [a for t, a in self.tags if t == tag and (cls is None or cls in a.get("class", "").split())]


def heatmap(matrix, x_labels=None, y_labels=None, title=None) -> dict:
    return {"kind": "heatmap", "matrix": matrix, "x_labels": x_labels, "y_labels": y_labels, "title": title}


def lines(series, x=None, title=None, x_label=None, y_label=None, log_y=False) -> dict:
    return {"kind": "lines", "series": [{"name": n, "y": y} for n, y in series.items()], "x": x,
            "title": title, "x_label": x_label, "y_label": y_label, "log_y": log_y}


def table(rows, header=None, title=None, hidden_rows=0) -> dict:
    return {"kind": "table", "rows": rows, "header": header, "title": title, "hidden_rows": hidden_rows}


def png_pixels(href: str) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of a data: URL PNG written by course_render (8-bit RGB)."""
    assert href.startswith(contract.HTML_IMAGE_PREFIX)
    data = base64.b64decode(href[len(contract.HTML_IMAGE_PREFIX):])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == height * (1 + 3 * width)
    rows = [raw[i * (1 + 3 * width):(i + 1) * (1 + 3 * width)] for i in range(height)]
    assert all(r[0] == 0 for r in rows)
    return width, height, [r[1:] for r in rows]


EXAMPLES = {
    "heatmap": heatmap([[0, 0.5], [1, None]], x_labels=["a", HOSTILE], y_labels=["q", "k"],
                       title=HOSTILE),
    "lines": lines({"train": [3.0, 2.0, None, 1.0], HOSTILE: [2.5, 2.2, 2.0, 1.9]}, x=[0, 10, 20, 30],
                   title=HOSTILE, x_label=HOSTILE, y_label=HOSTILE),
    "log lines": lines({HOSTILE: [16250.0, 1200.0, 95.0, 8.0]}, log_y=True),
    "table": table([[HOSTILE, "1.5"]], header=["k", HOSTILE], title=HOSTILE, hidden_rows=3),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_element_and_attribute_is_in_the_contract_allowlist(name):
    html = course_render.figure(EXAMPLES[name])
    tree = Tree(html)
    assert tree.tags
    for tag, attrs in tree.tags:
        assert tag.lower() in {t.lower() for t in contract.HTML_ELEMENTS}, tag
        allowed = {a.lower() for a in contract.HTML_ELEMENTS[next(t for t in contract.HTML_ELEMENTS
                                                                 if t.lower() == tag)]}
        allowed |= set(contract.HTML_GLOBAL_ATTRIBUTES)
        for attr, value in attrs.items():
            assert attr in allowed, (tag, attr)
            assert not attr.startswith("on") and attr != "style"
            assert "url(" not in value and "javascript:" not in value.lower(), (tag, attr)
            if attr in ("href", "xlink:href"):
                assert value.startswith(contract.HTML_IMAGE_PREFIX), (tag, value[:40])


@pytest.mark.parametrize("name", EXAMPLES)
def test_hostile_strings_are_escaped_everywhere(name):
    html = course_render.figure(EXAMPLES[name])
    assert "<script" not in html and 'alert("x")' not in html
    assert any("<script>" in t for t in Tree(html).texts)  # shown to the reader as text


def test_notices_results_and_events_use_only_allowed_markup():
    html = course_render.events([("stdout", "a"), ("html", course_render.truncated(5)), ("stderr", HOSTILE)])
    html += course_render.result({"ok": False, "error": HOSTILE, "error_types": [],
                                  "checks": [{"name": HOSTILE, "ok": False, "message": HOSTILE}]})
    assert "<script" not in html
    for tag, attrs in Tree(html).tags:
        assert tag in contract.HTML_ELEMENTS and set(attrs) <= set(contract.HTML_GLOBAL_ATTRIBUTES)


def test_heatmap_cells_are_one_png_with_a_pixel_per_cell_not_an_element_per_cell():
    matrix = [[i * 7 + j for j in range(7)] for i in range(5)]
    tree = Tree(course_render.figure(heatmap(matrix)))
    assert not tree.find("rect") and len(tree.find("title")) == 1  # no per-cell elements or tooltips
    (cells,) = tree.find("image", "pyodide-cells")
    assert cells["preserveaspectratio"] == "none"
    width, height, rows = png_pixels(cells["xlink:href"])
    assert (width, height) == (7, 5)
    assert rows[0][:3] == bytes(course_render.STOPS[0]) and rows[-1][-3:] == bytes(course_render.STOPS[-1])
    assert float(cells["width"]) / 7 == float(cells["height"]) / 5  # square cells


def test_heatmap_keeps_values_and_labels_for_tooltips_and_nan_cells_are_grey():
    tree = Tree(course_render.figure(heatmap([[0.123456, None], [12345.678, 1e-7]], x_labels=["a", "b"],
                                             y_labels=["c", HOSTILE])))
    (svg,) = tree.find("svg")
    assert json.loads(svg["data-values"]) == [[0.1235, None], [12350, 1e-7]]
    assert json.loads(svg["data-x-labels"]) == ["a", "b"] and json.loads(svg["data-y-labels"]) == ["c", HOSTILE]
    assert (svg["data-rows"], svg["data-cols"]) == ("2", "2")
    _, _, rows = png_pixels(tree.find("image", "pyodide-cells")[0]["xlink:href"])
    assert rows[0][3:6] == bytes(course_render.NAN_RGB)


def test_heatmap_is_labelled_for_screen_readers_and_has_a_colour_scale():
    html = course_render.figure(heatmap([[0.0] * 41 for _ in range(40)] + [[1.0] * 41], title="attention pattern"))
    tree = Tree(html)
    (svg,) = tree.find("svg")
    assert svg["role"] == "img" and svg["aria-label"] == "attention pattern: 41 x 41, values 0 to 1"
    assert "attention pattern: 41 x 41, values 0 to 1" in tree.texts
    (scale,) = tree.find("image", "pyodide-colour-scale")
    assert png_pixels(scale["xlink:href"])[0] == 1
    assert {"0", "1"} <= set(tree.texts)  # min and max of the scale


def test_many_token_labels_are_thinned_to_stay_readable():
    tokens = [f"t{i}" for i in range(200)]
    texts = Tree(course_render.figure(heatmap([[0.0] * 200] * 200, x_labels=tokens, y_labels=tokens))).texts
    shown = [t for t in texts if t.startswith("t")]
    assert 20 <= len(shown) < 200 and "t0" in shown
    few = Tree(course_render.figure(heatmap([[0.0] * 5] * 5, x_labels=list("abcde"), y_labels=list("vwxyz")))).texts
    assert set("abcdevwxyz") <= set(few)


@pytest.mark.parametrize("size", [1, 300])
def test_heatmaps_from_1x1_to_300x300_render_fast(size):
    matrix = [[math.sin(i * j) for j in range(size)] for i in range(size)]
    started = time.perf_counter()
    html = course_render.figure(heatmap(matrix))
    assert time.perf_counter() - started < 0.5
    width, height, _ = png_pixels(Tree(html).find("image", "pyodide-cells")[0]["xlink:href"])
    assert (width, height) == (size, size)


def test_line_plot_has_about_five_nice_ticks_on_each_linear_axis():
    tree = Tree(course_render.figure(lines({"loss": [3.7, 2.1, 1.3, 0.9]}, x=[0, 333, 666, 999])))
    y, x = tree.labels("pyodide-y-tick"), tree.labels("pyodide-x-tick")
    assert y == ["0", "1", "2", "3", "4"]  # the y range grows to whole steps
    assert x == ["0", "250", "500", "750"]
    steps = Tree(course_render.figure(lines({"a": [1, 2, 3]})))
    assert steps.labels("pyodide-x-tick") == ["0", "1", "2"]  # whole steps for indices
    fifty = Tree(course_render.figure(lines({"a": list(range(50))})))
    assert fifty.labels("pyodide-x-tick") == ["0", "10", "20", "30", "40"]
    years = Tree(course_render.figure(lines({"a": [1, 2, 3]}, x=[2020, 2022, 2024])))
    assert years.labels("pyodide-x-tick") == ["2020", "2021", "2022", "2023", "2024"]  # not 2,020


def test_log_axis_labels_powers_of_ten_thinned_to_six_and_no_e_notation():
    tree = Tree(course_render.figure(lines({"train": [16250.0, 1200.0, 95.0, 8.0]}, log_y=True)))
    assert tree.labels("pyodide-y-tick") == ["10⁰", "10¹", "10²", "10³", "10⁴", "10⁵"]
    wide = Tree(course_render.figure(lines({"a": [1e-6, 1e6]}, log_y=True)))
    assert 2 <= len(wide.labels("pyodide-y-tick")) <= 6
    for example in EXAMPLES.values():
        assert not re.search(r">[^<]*\de[+-]?\d", course_render.figure(example))  # no 1.6e+04 shown


def test_legend_sits_below_the_plot_area_with_a_key_in_each_series_colour():
    tree = Tree(course_render.figure(lines({"train": [3, 2, 1], "val": [3.5, 2.5, 2]})))
    (axis, *_) = tree.find("path", "pyodide-axis")
    bottom = float(re.match(r"M[\d.]+,[\d.]+V([\d.]+)", axis["d"]).group(1))
    keys = tree.find("line", "pyodide-legend-key")
    assert [k["class"].split()[1] for k in keys] == ["pyodide-series-0", "pyodide-series-1"]
    assert all(float(k["y1"]) > bottom + 15 for k in keys)
    assert [a["class"].split()[1] for a in tree.find("polyline")] == ["pyodide-series-0", "pyodide-series-1"]


def test_missing_values_break_the_line():
    tree = Tree(course_render.figure(lines({"a": [1, 2, None, 3, 4]})))
    assert len(tree.find("polyline")) == 2


def test_table_escapes_cells_and_counts_hidden_rows():
    html = course_render.figure(table([["<i>", "1.5"]], header=["k", "v"], title="T", hidden_rows=1234))
    assert "<td>&lt;i&gt;</td><td>1.5</td>" in html and '<th scope="col">k</th>' in html
    assert "<caption>T</caption>" in html and "1,234 more rows not shown." in html


def test_truncation_notice_result_and_events():
    assert course_render.truncated(123456) == ('<p class="pyodide-notice pyodide-notice-warning">Output truncated: '
                                               "123,456 more characters were not shown.</p>")
    checks = [{"name": "doubles", "ok": True, "message": ""}, {"name": "zero", "ok": False, "message": "use <b>"}]
    assert course_render.result({"ok": True, "error": None, "error_types": [], "checks": checks}) == (
        '<ul class="pyodide-checks"><li class="pyodide-pass">✓ Pass: doubles</li>'
        '<li class="pyodide-fail">✗ Fail: zero — use &lt;b&gt;</li></ul>')
    assert course_render.result({"ok": False, "error": "Traceback <x>", "error_types": [], "checks": []}) == (
        '<pre class="pyodide-text pyodide-error">Traceback &lt;x&gt;</pre>')
    assert course_render.events([("stdout", "a"), ("stdout", "<b>\n"), ("stderr", "w"), ("html", "<p>x</p>"),
                                 ("stdout", "c")]) == (
        '<pre class="pyodide-text pyodide-stdout">a&lt;b&gt;\n</pre><pre class="pyodide-text pyodide-stderr">w</pre>'
        '<p>x</p><pre class="pyodide-text pyodide-stdout">c</pre>')
    assert course_render.events([]) == ""


@pytest.mark.parametrize("value, text", [
    (0, "0"), (0.0123, "0.0123"), (42.5, "42.5"), (16250, "16,250"), (12345.6, "12,346"), (1e4, "10,000"),
    (0.001, "0.001"), (-3.14159, "-3.142"), (0.99999, "1"), (1e15, "10¹⁵"), (1e20, "10²⁰"),
    (1.5e-7, "1.5×10⁻⁷"), (-1e-5, "-10⁻⁵"), (999.99999, "1,000"), (1.6e16, "1.6×10¹⁶"),
])
def test_format_number_is_readable_never_e_notation(value, text):
    assert format_number(value) == text
