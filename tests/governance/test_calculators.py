"""The calculators of the governance units, as a reader meets them: forms that state the right numbers
and refuse impossible inputs in plain words.

The arithmetic itself (course_src/pages/governance_calculators.py) is unit-tested in
tests/unit/test_governance_calculators.py; here each page's blocks run in page order, as on the site.
"""

from __future__ import annotations

import ast
import math
import re

import pytest

from build_tools.blocks.check import verify_in_process
from build_tools.site import facts
from tests.governance.pages import run_block, unit_blocks, unit_session, unit_text

CALCULATOR_UNITS = ["01-state-of-ai", "04-law", "05-pause"]
CALCULATORS = {"01-state-of-ai": ["compute", "cost", "trend"], "04-law": ["thresholds"],
               "05-pause": ["verification", "shrinking-scope"]}
FORM_LINES = 14   # inputs, their labels and one call: anything longer is a wall of code


def block(slug: str, block_id: str):
    (found,) = [b for b in unit_blocks(slug) if b.id == block_id]
    return found


@pytest.fixture(scope="module")
def sessions():
    return {slug: unit_session(slug) for slug in CALCULATOR_UNITS}


def shown(sessions, slug: str, block_id: str) -> str:
    result, text = run_block(sessions[slug], block(slug, block_id))
    assert result["ok"], result["error"]
    return text


@pytest.mark.parametrize("slug", CALCULATOR_UNITS)
def test_every_block_runs_in_page_order_and_error_demos_raise_what_they_promise(slug):
    unit_session(slug)  # raises with file:line and block id on any unexpected outcome


@pytest.mark.parametrize("slug, block_id", [(s, b) for s, ids in CALCULATORS.items() for b in ids])
def test_calculator_reads_as_a_form_labelled_inputs_then_one_call(slug, block_id):
    code = block(slug, block_id).block.code
    where = f"docs/governance/{slug}.md block '{block_id}'"
    tree = ast.parse(code)
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda, ast.For,
                                                            ast.ListComp, ast.DictComp))], \
        f"{where}: computation belongs in course_src/pages/governance_calculators.py, not in the block"
    assert "require" not in code and "course import" not in code, where
    assert len(code.strip().splitlines()) <= FORM_LINES, f"{where}: more than {FORM_LINES} lines"
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert [n.module for n in imports] == ["governance_calculators"], f"{where}: one import, of the calculator"
    def preset(value):   # an input may be a preset: peak("B200", "8-bit")
        return isinstance(value, ast.Call) and getattr(value.func, "id", "") == "peak"
    literal = (ast.Constant, ast.Dict, ast.List)
    inputs = [n for n in tree.body
              if isinstance(n, ast.Assign) and (isinstance(n.value, literal) or preset(n.value))]
    for node in inputs:  # each input says what it is (a unit, an example, where the number comes from)
        line = code.splitlines()[node.end_lineno - 1]
        assert "#" in line or isinstance(node.value, ast.Dict), f"{where}: label the input on line {node.lineno}"
    calls = [n for n in tree.body if isinstance(n, (ast.Expr, ast.Assign)) and isinstance(n.value, ast.Call)
             and not preset(n.value)]
    assert len(calls) == 1 and calls[-1] is tree.body[-1], f"{where}: end with the one call that answers"


@pytest.mark.parametrize("slug", CALCULATOR_UNITS)
def test_each_calculator_page_shows_one_error_demo_with_only_its_plain_message(slug, sessions):
    demos = [b for b in unit_blocks(slug) if b.block.options.raises == "ValueError"]
    assert demos, f"docs/governance/{slug}.md has no raises=\"ValueError\" demonstration block"
    result, _ = run_block(sessions[slug], demos[0])
    assert "InputError" in result["error_types"], result["error"] or "ran without error"
    message = result["error"]
    assert message.count("\n") == 1 and "Traceback" not in message and "File " not in message, message
    assert "e+" not in message, f"message uses computer notation a non-coder cannot read: {message}"
    assert any(word in message for word in ("sensible", "empty", "must be")), message


def test_both_compute_estimates_reproduce_metas_reported_llama_figure(sessions):
    # Meta reported 3.8 × 10^25 FLOP for Llama 3.1 405B (405e9 parameters, 15.6e12 tokens).
    text = shown(sessions, "01-state-of-ai", "compute")
    assert re.search(r"From the model .*: +3\.8 × 10\^25 FLOP", text), text
    assert re.search(r"From the hardware .*: +3\.8 × 10\^25 FLOP", text), text
    assert "agree to within 10%" in text
    assert "EU AI Act presumption (10^25): this run is 3.79 times the threshold (above)" in text


def test_negative_parameters_are_refused_in_the_readers_own_words(sessions):
    result, _ = run_block(sessions["01-state-of-ai"], block("01-state-of-ai", "compute"),
                          block("01-state-of-ai", "compute").block.code.replace("405e9", "-7e9"))
    assert result["error"] == ("parameters = -7 × 10^9 is not sensible: "
                               "use a number from 1 × 10^6 to 1 × 10^15.\n")


def test_rental_cost_halves_after_one_price_performance_doubling(sessions):
    text = shown(sessions, "01-state-of-ai", "cost")
    chip_hours = 3.8e25 / (989e12 * 0.4) / 3600
    assert f"${chip_hours * 2 / 1e6:,.0f} million" in text   # today, at $2 per chip-hour
    assert re.search(rf"in 3 years\s+\${chip_hours * 2 / 2 ** (3 / 2.5) / 1e6:,.0f} million", text), text


def test_trend_table_gives_times_bigger_after_one_three_and_five_years(sessions):
    text = shown(sessions, "01-state-of-ai", "trend")
    assert f"{2 ** (60 / 5.5):,.0f}×" in text and f"{2 ** (12 / 30):.1f}×" in text


def test_years_until_exercise_checks_pass_on_solution_and_fail_on_the_stub():
    blocks = unit_blocks("01-state-of-ai")
    (exercise,) = [b for b in blocks if b.block.is_exercise]
    result = verify_in_process(blocks)[exercise.id]  # the reader's starting stub, then the solution
    solved = result["checks"]
    assert solved and all(check["ok"] for check in solved), solved
    stubbed = result["starting_checks"]
    assert any(not check["ok"] for check in stubbed), stubbed


def test_threshold_checker_crosses_eu_line_but_not_us_lines_for_llama(sessions):
    text = shown(sessions, "04-law", "thresholds")
    assert "3.8 × 10^25 FLOP" in text
    assert "It crosses 1 of 4 thresholds: EU AI Act: systemic-risk presumption." in text
    from governance_calculators import STATUS_CHECKED  # on sys.path once a unit's blocks have run

    assert f"status as of {STATUS_CHECKED}" in text


def test_threshold_status_date_is_the_date_the_unit_was_last_checked():
    from governance_calculators import STATUS_CHECKED  # on sys.path once a unit's blocks have run

    newest = facts.date_range(facts.sources(unit_text("04-law"), "docs/governance/04-law.md"))[1]
    assert STATUS_CHECKED == facts.long_date(newest), "re-check the thresholds' status and unit 4 together"


def test_monitoring_job_finds_the_smallest_cluster_and_its_power(sessions):
    text = shown(sessions, "05-pause", "verification")
    one_chip = 989e12 * 0.4 * 180 * 86_400
    chips = math.ceil(1e26 / one_chip)
    assert f"in 180 days: {chips:,} chips" in text, text
    assert f"about {chips * 1_400 / 1e6:.0f} MW" in text
    assert "Clusters to watch: 8 of 20" in text   # 8 sites in the list hold 16,254 chips or more


def test_shrinking_scope_starts_from_the_block_above(sessions):
    text = shown(sessions, "05-pause", "shrinking-scope")
    today = math.ceil(1e26 / (989e12 * 0.4 * 180 * 86_400))
    assert f"(today: {today:,})" in text
    assert f"In 5 years, {math.ceil(today / 2 ** 2):,} chips could cross the same FLOP line" in text


def test_calculator_blocks_use_only_the_standard_library():
    for slug in CALCULATOR_UNITS:
        for page_block in unit_blocks(slug):
            assert not page_block.block.options.packages, f"{slug}: block {page_block.id} loads packages"
            assert not math.isnan(page_block.block.options.timeout)
