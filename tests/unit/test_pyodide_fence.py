"""```pyodide fences rendered with the site's Markdown extensions (the `md` fixture)."""

from __future__ import annotations

import html
import json
import re

import pytest

from build_tools.blocks.page import PageBlockError, page_blocks


def spec_of(rendered: str) -> dict:
    match = re.search(r'<div class="pyodide-block[^"]*"[^>]* data-spec="([^"]*)"', rendered)
    assert match, rendered
    return json.loads(html.unescape(match.group(1)))


def test_plain_block_renders_highlighted_code_output_region_and_spec(md):
    out = md('```pyodide id="hello"\nprint("hi")\n```\n')
    assert 'class="pyodide-block"' in out and 'id="pyodide-hello"' in out
    assert '<span class="nb">print</span>' in out  # highlighted for readers without JavaScript
    assert 'aria-live="polite"' in out
    spec = spec_of(out)
    assert spec["id"] == "hello" and spec["code"] == 'print("hi")\n' and spec["timeout"] == 30.0
    assert spec["prerender"] is True and spec["session"] == "page" and spec["packages"] == []


def test_spec_carries_the_final_id_and_session_so_the_page_computes_no_defaults(md):
    out = md('```pyodide\na = 1\n```\n\n```pyodide session="s"\nb = 2\n```\n')
    specs = [json.loads(html.unescape(m)) for m in re.findall(r'data-spec="([^"]*)"', out)]
    assert [(s["id"], s["session"]) for s in specs] == [("block-1", "page"), ("block-2", "s")]


def test_header_options_are_parsed_into_the_spec(md):
    out = md('```pyodide id="a" session="tok" packages="numpy, regex" raises="ValueError" '
             'timeout="5" prerender="false"\nraise ValueError("x")\n```\n')
    spec = spec_of(out)
    assert spec["session"] == "tok" and spec["packages"] == ["numpy", "regex"]
    assert spec["raises"] == "ValueError" and spec["timeout"] == 5.0 and spec["prerender"] is False


def test_sections_split_into_hidden_setup_checks_and_collapsible_solution(md):
    out = md('```pyodide\ndef f():\n    raise NotImplementedError\n# %% setup\nSECRET = 41\n'
             '# %% check\n@check("f adds one")\ndef _():\n    assert f() == SECRET + 1, "add one"\n'
             '# %% solution\ndef f():\n    return SECRET + 1\n```\n')
    spec = spec_of(out)
    assert spec["code"] == "def f():\n    raise NotImplementedError\n"
    assert spec["setup"] == "SECRET = 41\n"
    assert spec["check"].startswith('@check("f adds one")')
    assert spec["solution"] == "def f():\n    return SECRET + 1\n"
    assert "pyodide-exercise" in out
    details = re.search(r'<details class="[^"]*pyodide-solution[^"]*"><summary>Solution</summary>(.*?)</details>',
                        out, re.S)
    assert details and "SECRET" in details.group(1)
    visible = re.sub(r'data-spec="[^"]*"', "", out)
    assert "41" not in visible  # setup is hidden from the highlighted code


def test_markup_in_code_is_escaped_everywhere_and_no_script_element_is_emitted(md):
    out = md('```pyodide\nprint("</script>\\"<img src=x onerror=alert(1)>")\n```\n')
    assert "<img" not in out and "<script" not in out and "</script>" not in out
    assert spec_of(out)["code"] == 'print("</script>\\"<img src=x onerror=alert(1)>")\n'
    assert "&lt;img src=x onerror=alert(1)&gt;" in out  # the highlighted code shows it as text


@pytest.mark.parametrize("header, message", [
    ('```pyodide colour="red"', "unknown option 'colour'"),
    ('```pyodide timeout="soon"', 'timeout="soon"'),
    ('```pyodide prerender="no"', 'prerender="true" or prerender="false"'),
    ('```pyodide id="has space"', 'id="has space" is malformed'),
    ('```pyodide raises="not an exception"', "raises="),
])
def test_bad_header_options_fail_the_render_naming_the_option(md, header, message):
    with pytest.raises(Exception, match=re.escape(message)):
        md(f"{header}\nx = 1\n```\n")


@pytest.mark.parametrize("body, message", [
    ("x = 1\n# %% tests\npass\n", "unknown section marker '# %% tests'"),
    ("x = 1\n# %% setup\na=1\n# %% setup\nb=2\n", "duplicate section '# %% setup'"),
    ("x = 1\n# %% check\nassert x\n# %% solution\nx=1\n", "no @check"),
    ('x = 1\n# %% check\n@check("x")\ndef _():\n    assert x\n', "needs a '# %% solution'"),
])
def test_malformed_sections_fail_the_render(md, body, message):
    with pytest.raises(Exception, match=re.escape(message)):
        md(f"```pyodide\n{body}```\n")


def test_page_errors_name_the_file_and_the_line_of_the_problem():
    page = "---\ntime: 5 min\n---\n# T\n\n```pyodide\nx = 1\n# %% nonsense\n```\n"
    with pytest.raises(PageBlockError, match=r"^gpt2/x\.md:8: unknown section marker"):
        page_blocks(page, "gpt2/x.md")
    with pytest.raises(PageBlockError, match=r"^p\.md:3: unknown option 'bogus'"):
        page_blocks('# T\n\n```pyodide bogus="1"\nx=1\n```\n', "p.md")


def test_duplicate_ids_on_a_page_are_an_error_with_both_lines():
    page = '```pyodide id="a"\nx=1\n```\n\n```pyodide id="a"\ny=2\n```\n'
    with pytest.raises(PageBlockError, match=r'p\.md:5: duplicate block id "a" \(also used at p\.md:1\)'):
        page_blocks(page, "p.md")


def test_page_blocks_get_positional_ids_sessions_and_skip_fences_shown_as_examples():
    page = ('```pyodide\na = 1\n```\n\n````markdown\n```pyodide\nnot a block\n```\n````\n\n'
            '!!! example\n    ```pyodide session="s" id="x"\n    b = a + 1\n    ```\n\n```pyodide\nc = 3\n```\n')
    blocks = page_blocks(page, "p.md")
    assert [(b.id, b.session, b.line) for b in blocks] == [
        ("block-1", "page", 1), ("x", "s", 12), ("block-3", "page", 16)]
    assert blocks[1].block.code == "b = a + 1\n"


def test_other_languages_still_render_as_plain_code(md):
    out = md("```python\nprint(1)\n```\n")
    assert "pyodide" not in out and "highlight" in out


def test_an_unknown_option_suggests_the_closest_known_one():
    message = r"p\.md:1: unknown option 'timout' on the ```pyodide fence: did you mean 'timeout'\?"
    with pytest.raises(PageBlockError, match=message):
        page_blocks('```pyodide timout="5"\nx = 1\n```\n', "p.md")


def test_a_syntax_error_fails_with_its_own_line_and_says_so():
    page = '# T\n\n```pyodide\nx = 1\ny = (\n# %% check\n@check("c")\ndef _():\n    pass\n# %% solution\nx = 1\n```\n'
    with pytest.raises(PageBlockError, match=r"p\.md:5: syntax error in the reader's code: '\(' was never closed"):
        page_blocks(page, "p.md")
    assert page_blocks('```pyodide raises="SyntaxError"\nx = (\n```\n', "p.md")[0].block.code == "x = (\n"


def test_a_fence_left_open_before_the_next_one_is_named_with_both_lines():
    page = '# T\n\n```pyodide id="a"\nx = 1\n\nSome prose.\n\n```pyodide id="b"\ny = 2\n```\n'
    message = r"p\.md:3: this ```pyodide fence is not closed before the next one \(at p\.md:8\)"
    with pytest.raises(PageBlockError, match=message):
        page_blocks(page, "p.md")


def test_a_last_fence_left_open_fails_instead_of_publishing_its_solution_as_text():
    page = ('# T\n\n```pyodide\na = 1\n```\n\n```pyodide id="ex"\ndef f(): raise NotImplementedError\n'
            '# %% check\n@check("c")\ndef _():\n    assert f() == 1\n# %% solution\ndef f(): return 1\n')
    with pytest.raises(PageBlockError, match=r"p\.md:7: this ```pyodide fence is never closed"):
        page_blocks(page, "p.md")


def test_a_block_included_with_a_snippet_is_parsed_and_checked_like_any_other(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pymdownx.snippets resolves paths from the working directory
    (tmp_path / "good.md").write_text('```pyodide id="from-snippet"\nprint(1)\n```\n')
    (tmp_path / "bad.md").write_text('```pyodide colour="red"\nprint(1)\n```\n')
    blocks = page_blocks('# T\n\n--8<-- "good.md"\n', "p.md")
    assert [(b.id, b.line) for b in blocks] == [("from-snippet", 0)]
    with pytest.raises(PageBlockError, match=r"p\.md \(in text included by a snippet\): unknown option 'colour'"):
        page_blocks('# T\n\n--8<-- "bad.md"\n', "p.md")
