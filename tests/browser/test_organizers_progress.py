"""Progress without accounts: mark a section done, see it on the track page, export and import it."""

import json
import re

import pytest

TRACKS = ["governance", "gpt2", "circuits"]


def first_carded_section(page, site_url):
    """(track, section id) of the first section with a card, read from the track pages' maps."""
    for track in TRACKS:
        page.goto(f"{site_url}/{track}/")
        sections = page.locator(".track-progress").get_attribute("data-sections") or ""
        if sections.split():
            return track, sections.split()[0], len(sections.split())
    pytest.fail("no track page lists a section with a card (<!-- drop-in-map --> and front matter)")


def summary(page):
    return page.locator(".track-progress__summary").inner_text()


def test_mark_done_persists_and_shows_on_the_track_page_after_instant_navigation(page, site_url):
    track, section, total = first_carded_section(page, site_url)
    assert summary(page) == f"0 of {total} sections done"

    page.goto(f"{site_url}/{section}")
    button = page.locator(".section-card__done")
    assert button.is_visible() and button.inner_text() == "Mark as done"
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    page.reload()
    assert page.locator(".section-card__done").get_attribute("aria-pressed") == "true"

    # Back to the track page through Material's instant navigation (no full page load).
    page.locator(f".md-nav a[href$='{track}/']").first.click()
    page.wait_for_url(re.compile(rf"/{track}/$"))
    page.locator(".track-progress__summary").wait_for()
    assert summary(page) == f"1 of {total} sections done"
    assert page.locator(f".progress-mark[data-section='{section}']").inner_text() == "✓"
    assert page.errors == []


def test_export_then_import_restores_progress_in_a_fresh_browser(page, site_url, browser, tmp_path):
    track, section, total = first_carded_section(page, site_url)
    page.goto(f"{site_url}/{section}")
    page.locator(".section-card__done").click()
    page.goto(f"{site_url}/{track}/")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export progress").click()
    exported = tmp_path / "course-progress.json"
    info.value.save_as(exported)
    data = json.loads(exported.read_text())
    assert data["format"] == "course-progress" and section in data["done"]

    fresh = browser.new_context().new_page()  # another browser: empty localStorage
    try:
        fresh.goto(f"{site_url}/{track}/")
        assert summary(fresh) == f"0 of {total} sections done"
        fresh.locator(".track-progress__file").set_input_files(str(exported))
        fresh.locator(".track-progress__status", has_text="Imported").wait_for()
        assert summary(fresh) == f"1 of {total} sections done"
        fresh.goto(f"{site_url}/{section}")
        assert fresh.locator(".section-card__done").get_attribute("aria-pressed") == "true"
    finally:
        fresh.context.close()


def test_importing_a_file_that_is_not_progress_says_so_and_changes_nothing(page, site_url, tmp_path):
    track, _, total = first_carded_section(page, site_url)
    bogus = tmp_path / "notes.json"
    bogus.write_text(json.dumps({"done": "everything"}))
    page.locator(".track-progress__file").set_input_files(str(bogus))
    status = page.locator(".track-progress__status")
    status.filter(has_text="Could not import").wait_for()
    assert "not a progress file" in status.inner_text()
    assert summary(page) == f"0 of {total} sections done"
