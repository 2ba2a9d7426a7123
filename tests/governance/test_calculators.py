"""The calculators of the governance units: right numbers, and clear refusals of impossible inputs."""

from __future__ import annotations

import math

import pytest

from build_tools.blocks.check import verify_in_process
from tests.governance.pages import page_namespace, unit_blocks, unit_session

CALCULATOR_UNITS = ["01-state-of-ai", "04-law", "05-pause"]


@pytest.fixture(scope="module")
def unit1():
    return page_namespace("01-state-of-ai")


@pytest.fixture(scope="module")
def unit4():
    return page_namespace("04-law")


@pytest.fixture(scope="module")
def unit5():
    return page_namespace("05-pause")


@pytest.mark.parametrize("slug", CALCULATOR_UNITS)
def test_every_block_runs_in_page_order_and_error_demos_raise_what_they_promise(slug):
    page_namespace(slug)  # raises with file:line and block id on any unexpected outcome


@pytest.mark.parametrize("slug", CALCULATOR_UNITS)
def test_each_calculator_page_shows_one_error_demo_with_a_readable_message(slug):
    demos = [b for b in unit_blocks(slug) if b.block.options.raises == "ValueError"]
    assert demos, f"docs/governance/{slug}.md has no raises=\"ValueError\" demonstration block"
    result = unit_session(slug).run(demos[0].id, demos[0].block.code)
    assert "ValueError" in result["error_types"], result["error"] or "ran without error"
    message = result["error"].rsplit(f"{result['error_types'][0]}: ", 1)[-1].rstrip("\n")  # the traceback's end
    assert "e+" not in message, f"message uses computer notation a non-coder cannot read: {message}"
    assert any(word in message for word in ("sensible", "empty", "must be")), message


def test_both_compute_estimates_reproduce_metas_reported_llama_figure(unit1):
    # Meta reported 3.8e25 FLOP for Llama 3.1 405B (405e9 parameters, 15.6e12 tokens).
    by_model = unit1["flop_from_model"](405e9, 15.6e12)
    assert by_model == pytest.approx(3.8e25, rel=0.01)
    by_hardware = unit1["flop_from_hardware"](16_000, 989e12, 0.40, 70)
    assert by_hardware == pytest.approx(by_model, rel=0.05)


def test_cost_of_the_same_compute_halves_after_one_price_performance_doubling(unit1):
    today = unit1["training_cost"](3.8e25, 989e12, 0.4, 2.0)
    chip_hours = 3.8e25 / (989e12 * 0.4) / 3600
    assert today == pytest.approx(chip_hours * 2.0)
    assert unit1["cost_after"](today, 2.5, 2.5) == pytest.approx(today / 2)


def test_growth_factor_doubles_once_per_doubling_time(unit1):
    assert unit1["growth_factor"](12, 1) == pytest.approx(2)
    assert unit1["growth_factor"](5.5, 5) == pytest.approx(2 ** (60 / 5.5))


@pytest.mark.parametrize("call", [
    lambda ns: ns["flop_from_model"](-7e9, 2e12),           # negative parameters
    lambda ns: ns["flop_from_model"](7e9, 0),               # no training data
    lambda ns: ns["flop_from_model"](float("nan"), 1e12),   # not a number
    lambda ns: ns["flop_from_model"]("7e9", 1e12),          # text, not a number
    lambda ns: ns["flop_from_model"](True, 1e12),           # a yes/no, not a number
    lambda ns: ns["flop_from_hardware"](1000, 989e12, 1.5, 30),   # utilisation above 100%
    lambda ns: ns["flop_from_hardware"](1000, 989e12, 0.4, -3),   # negative days
    lambda ns: ns["flop_from_hardware"](1e12, 989e12, 0.4, 30),   # a trillion chips
    lambda ns: ns["training_cost"](3.8e25, 989e12, 0.4, -2),      # negative price
    lambda ns: ns["cost_after"](1e6, 3, 0),                       # doubling time of zero
    lambda ns: ns["growth_factor"](float("inf"), 3),              # infinite doubling time
])
def test_unit1_calculators_refuse_impossible_inputs(unit1, call):
    with pytest.raises(ValueError):
        call(unit1)


def test_refusal_names_the_input_and_the_sensible_range(unit1):
    with pytest.raises(ValueError, match=r"parameters = -7 × 10\^9 .*from 1 × 10\^6 to 1 × 10\^15"):
        unit1["flop_from_model"](-7e9, 2e12)


def test_years_until_exercise_checks_pass_on_solution_and_fail_on_the_stub():
    blocks = unit_blocks("01-state-of-ai")
    (exercise,) = [b for b in blocks if b.block.is_exercise]
    result = verify_in_process(blocks)[exercise.id]  # the reader's starting stub, then the solution
    solved = result["checks"]
    assert solved and all(check["ok"] for check in solved), solved
    stubbed = result["starting_checks"]
    assert any(not check["ok"] for check in stubbed), stubbed


def test_threshold_checker_crosses_eu_line_but_not_us_lines_for_llama(unit4):
    rows = unit4["thresholds_crossed"](unit4["flop_from_model"](405e9, 15.6e12))
    crossed = {row[0]: row[-1] for row in rows}
    assert crossed["EU AI Act: systemic-risk presumption"] == "yes"
    assert crossed["California SB 53: frontier model"] == "no"
    assert crossed["New York RAISE Act: frontier model"] == "no"


def test_threshold_values_match_the_laws_cited_in_the_text(unit4):
    limits = {name: limit for name, limit, _, _ in unit4["THRESHOLDS"]}
    assert limits["EU AI Act: systemic-risk presumption"] == 1e25   # Art. 51(2)
    assert limits["US EO 14110: reporting duty"] == 1e26           # Sec. 4.2(b)(i)
    assert limits["California SB 53: frontier model"] == 1e26
    assert limits["New York RAISE Act: frontier model"] == 1e26


def test_smallest_cluster_is_exactly_the_fewest_chips_that_reach_the_threshold(unit5):
    chips = unit5["smallest_cluster"](1e26, 989e12, 0.4, 180)
    one_chip = 989e12 * 0.4 * 180 * 86_400
    assert chips * one_chip >= 1e26 > (chips - 1) * one_chip


def test_scope_counts_only_clusters_at_or_above_the_minimum(unit5):
    assert unit5["in_scope"]([100, 50, 50, 10], 50) == (3, 200, 210)


def test_chips_needed_fall_with_progress_and_faster_with_algorithms(unit5):
    later = unit5["chips_needed_later"]
    assert later(16_000, 2.5, 2.5) == 8_000
    assert later(16_000, 2, 2.5, 8) < later(16_000, 2, 2.5)
    assert later(16_000, 30, 0.25, 1) == 1   # never below one chip


@pytest.mark.parametrize("call", [
    lambda ns: ns["in_scope"]([], 100),
    lambda ns: ns["in_scope"]([100, -5], 100),
    lambda ns: ns["smallest_cluster"](1e26, 989e12, 0, 180),
    lambda ns: ns["chips_needed_later"](16_000, -1, 2.5),
])
def test_unit5_calculators_refuse_impossible_inputs(unit5, call):
    with pytest.raises(ValueError):
        call(unit5)


def test_calculator_blocks_use_only_the_standard_library():
    for slug in CALCULATOR_UNITS:
        for page_block in unit_blocks(slug):
            assert not page_block.block.options.packages, f"{slug}: block {page_block.id} loads packages"
            assert not math.isnan(page_block.block.options.timeout)
