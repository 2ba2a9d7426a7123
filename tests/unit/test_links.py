"""build_tools.site.links: resolving hrefs in built HTML, and finding broken files and anchors."""

from pathlib import Path

from build_tools.site import links


def test_resolve_relative_directory_and_fragment_links():
    assert links.resolve("gpt2/index.html", "01-tokenization/#bpe") == ("gpt2/01-tokenization/index.html", "bpe")
    assert links.resolve("gpt2/01-tokenization/index.html", "../03-attention/") == ("gpt2/03-attention/index.html", "")
    assert links.resolve("gpt2/index.html", "#sections") == ("gpt2/index.html", "sections")
    assert links.resolve("index.html", "events/events.ics") == ("events/events.ics", "")
    assert links.resolve("a/index.html", "b%20c/#x%20y") == ("a/b c/index.html", "x y")


def test_absolute_links_under_the_site_path_are_internal_others_skipped():
    assert links.resolve("404.html", "/course/gpt2/", "/course/") == ("gpt2/index.html", "")
    assert links.resolve("index.html", "/elsewhere/", "/course/") is None
    for href in ["https://example.org/", "//cdn.example.org/x.js", "mailto:a@b.c", "javascript:void(0)"]:
        assert links.resolve("index.html", href) is None


def test_link_leaving_the_site_is_reported(tmp_path):
    write(tmp_path, "index.html", '<a href="../../outside/">x</a>')
    assert "no file" in links.check_site(tmp_path)[0]


def write(root: Path, name: str, body: str):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><body>{body}</body></html>")


def test_check_site_finds_missing_anchor_and_missing_page(tmp_path):
    write(tmp_path, "index.html", '<a href="a/#present">ok</a> <a href="a/#absent">bad</a> '
                                  '<a href="nowhere/">bad</a> <a href="https://example.org/#x">ext</a>')
    write(tmp_path, "a/index.html", '<h2 id="present">P</h2><a href="../#top">bad</a><a name="top2"></a>')
    problems = links.check_site(tmp_path)
    assert problems == [
        "a/index.html: link '../#top' -> index.html has no anchor #top",
        "index.html: link 'a/#absent' -> a/index.html has no anchor #absent",
        "index.html: link 'nowhere/' -> no file nowhere/index.html",
    ]


def test_check_site_passes_a_consistent_site_and_accepts_named_anchors(tmp_path):
    write(tmp_path, "index.html", '<a href="a/#top2">ok</a><a href="a/">ok</a><a href="files/x.ics">ok</a>')
    write(tmp_path, "a/index.html", '<a name="top2"></a>')
    (tmp_path / "files").mkdir()
    (tmp_path / "files/x.ics").write_text("BEGIN:VCALENDAR")
    assert links.check_site(tmp_path) == []


def test_command_line_reports_broken_links_with_exit_status(tmp_path, capsys):
    write(tmp_path, "index.html", '<a href="#missing">x</a>')
    assert links.main([str(tmp_path)]) == 1
    assert "#missing" in capsys.readouterr().out
    write(tmp_path, "index.html", '<a id="here" href="#here">x</a>')
    assert links.main([str(tmp_path)]) == 0


def test_scan_reads_ids_and_hrefs_but_not_inside_scripts_or_comments():
    page = ("<script>const t = \"<a href='#in-script'>\";</script><!-- <a href=\"#in-comment\"> -->"
            "<a href=\"a/?x=1&amp;y=2#f\" id=top>t</a><h2 id='second'>S</h2><a name=\"old\"></a>")
    ids, hrefs = links.scan_html(page)
    assert ids == {"top", "second", "old"}
    assert hrefs == ["a/?x=1&y=2#f"]


def test_rebuild_rescans_only_pages_whose_content_changed(tmp_path, monkeypatch):
    site, cache_file = tmp_path / "site", tmp_path / "cache/scans.json"
    write(site, "index.html", '<a href="a/#x">a</a>')
    write(site, "a/index.html", '<h2 id="x">X</h2>')
    scanned = []
    real_scan = links.scan_html
    monkeypatch.setattr(links, "scan_html", lambda text: scanned.append(text) or real_scan(text))

    assert links.check_site(site, cache=links.ScanCache(cache_file)) == []
    assert len(scanned) == 2 and cache_file.is_file()
    scanned.clear()
    assert links.check_site(site, cache=links.ScanCache(cache_file)) == []  # a new build: from the cache
    assert scanned == []
    write(site, "a/index.html", '<h2 id="y">Y</h2>')  # one page edited
    assert links.check_site(site, cache=links.ScanCache(cache_file)) == [
        "index.html: link 'a/#x' -> a/index.html has no anchor #x"]
    assert len(scanned) == 1 and 'id="y"' in scanned[0]


def test_a_damaged_cache_is_rebuilt(tmp_path):
    write(tmp_path / "site", "index.html", '<a href="#top" id="top">x</a>')
    (tmp_path / "scans.json").write_text("{not json")
    assert links.check_site(tmp_path / "site", cache=links.ScanCache(tmp_path / "scans.json")) == []


def test_problems_name_the_source_file_and_line(tmp_path):
    (tmp_path / "docs").mkdir()
    source = tmp_path / "docs/index.md"
    source.write_text("# Home\n\nSee [the other page](other.md#gone).\n\n<a href=\"nowhere/\">raw</a>\n")
    write(tmp_path / "site", "index.html", '<a href="other/#gone">x</a><a href="nowhere/">y</a>')
    write(tmp_path / "site", "other/index.html", "<h1 id='other'>Other</h1>")
    problems = links.check_site(tmp_path / "site", sources={"index.html": ("docs/index.md", source),
                                                            "other/index.html": ("gen.md", None)})
    assert problems == [
        "docs/index.md:3: index.html: link 'other/#gone' -> other/index.html has no anchor #gone",
        "docs/index.md:5: index.html: link 'nowhere/' -> no file nowhere/index.html",
    ]


def test_source_line_finds_the_link_as_written_or_by_its_fragment_or_name():
    text = ("# T\n\nThe glossary has #masking-free terms.\n[a](../03-attention.md#masking)\n"
            "<a href=\"files/x.ics\">b</a>\n[c](glossary.md)\n")
    assert links.source_line(text, "../03-attention/#masking") == 4  # by fragment
    assert links.source_line(text, "files/x.ics") == 5  # as written
    assert links.source_line(text, "../glossary/") == 6  # by page name, in a link target
    assert links.source_line(text, "../elsewhere/") is None
