"""course_src/pages/governance_calculators.py: the arithmetic behind the governance units' calculator forms.

Pure tests under CPython; figures print a one-line summary without a runner. How the pages use these
functions (forms, outputs, error demos) is tested in tests/governance/test_calculators.py.
"""

from __future__ import annotations

import inspect
import math
import sys

import pytest

from build_tools.blocks.contract import PAGE_MODULES_DIR, RUNTIME_DIR

for folder in (RUNTIME_DIR, PAGE_MODULES_DIR):  # as every block's interpreter has them
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import governance_calculators as gc  # noqa: E402
from course import InputError  # noqa: E402

H100 = 989e12
LLAMA = dict(parameters=405e9, tokens=15.6e12, chips=16_000, peak_flop_per_second=H100, utilisation=0.40, days=70)


# ---------------------------------------------------------------- unit 1

def test_both_compute_estimates_reproduce_metas_reported_llama_figure():
    # Meta reported 3.8e25 FLOP for Llama 3.1 405B (405e9 parameters, 15.6e12 tokens).
    by_model = gc.flop_from_model(405e9, 15.6e12)
    assert by_model == pytest.approx(3.8e25, rel=0.01)
    assert gc.flop_from_hardware(16_000, H100, 0.40, 70) == pytest.approx(by_model, rel=0.05)


def test_training_compute_prints_both_estimates_and_the_legal_lines_in_words(capsys):
    assert gc.training_compute(**LLAMA) == gc.flop_from_model(405e9, 15.6e12)
    out = capsys.readouterr().out
    assert out.count("3.8 × 10^25 FLOP") == 2 and "agree to within 10%" in out
    assert "(10^26): this run is 0.379 times the threshold (below)" in out
    gc.training_compute(**{**LLAMA, "days": 700})
    assert "differ by a factor of 10.1" in capsys.readouterr().out


def test_cost_of_the_same_compute_halves_after_one_price_performance_doubling():
    today = gc.training_cost(3.8e25, H100, 0.4, 2.0)
    chip_hours = 3.8e25 / (H100 * 0.4) / 3600
    assert today == pytest.approx(chip_hours * 2.0)
    assert gc.cost_after(today, 2.5, 2.5) == pytest.approx(today / 2)


def test_rental_cost_says_chip_hours_and_dollars_as_a_person_would(capsys):
    assert gc.rental_cost(3.8e25, 2.0, 2.5) == pytest.approx(gc.training_cost(3.8e25, H100, 0.4, 2.0))
    out = capsys.readouterr().out
    assert "about 27 million chip-hours at 40% of peak: about $53 million today at $2 per chip-hour" in out
    gc.rental_cost(1e20, 2.0, 2.5)   # a small run: dollars, not "$0 million"
    assert "about $140 today" in capsys.readouterr().out


def test_growth_factor_doubles_once_per_doubling_time():
    assert gc.growth_factor(12, 1) == pytest.approx(2)
    assert gc.growth_factor(5.5, 5) == pytest.approx(2 ** (60 / 5.5))


@pytest.mark.parametrize("trends, message", [
    ({}, "trends must list at least one trend"),
    ([5.5, 7], "trends must list at least one trend"),
    ({"compute": 0}, r"the doubling time of 'compute' = 0 is not sensible"),
    ({"compute": "fast"}, "the doubling time of 'compute' must be a number"),
])
def test_trend_chart_refuses_what_is_not_a_list_of_doubling_times(trends, message):
    with pytest.raises(InputError, match=message):
        gc.trend_chart(trends)


@pytest.mark.parametrize("call", [
    lambda: gc.flop_from_model(-7e9, 2e12),           # negative parameters
    lambda: gc.flop_from_model(7e9, 0),               # no training data
    lambda: gc.flop_from_model(float("nan"), 1e12),   # not a number
    lambda: gc.flop_from_model("7e9", 1e12),          # text, not a number
    lambda: gc.flop_from_model(True, 1e12),           # a yes/no, not a number
    lambda: gc.flop_from_hardware(1000, H100, 1.5, 30),   # utilisation above 100%
    lambda: gc.flop_from_hardware(1000, H100, 0.4, -3),   # negative days
    lambda: gc.flop_from_hardware(1e12, H100, 0.4, 30),   # a trillion chips
    lambda: gc.training_cost(3.8e25, H100, 0.4, -2),      # negative price
    lambda: gc.cost_after(1e6, 3, 0),                     # doubling time of zero
    lambda: gc.growth_factor(float("inf"), 3),            # infinite doubling time
    lambda: gc.training_compute(**{**LLAMA, "utilisation": 40}),   # 40 meant as a percentage
])
def test_unit1_calculators_refuse_impossible_inputs_with_an_input_error(call):
    with pytest.raises(InputError):
        call()


def test_refusal_names_the_input_and_the_sensible_range():
    with pytest.raises(InputError, match=r"^parameters = -7 × 10\^9 .*from 1 × 10\^6 to 1 × 10\^15\.$"):
        gc.flop_from_model(-7e9, 2e12)


# ---------------------------------------------------------------- unit 4

def test_threshold_checker_crosses_eu_line_but_not_us_lines_for_llama(capsys):
    rows = gc.thresholds_crossed(gc.flop_from_model(405e9, 15.6e12))
    crossed = {row[0]: row[-1] for row in rows}
    assert crossed["EU AI Act: systemic-risk presumption"] == "yes"
    assert crossed["California SB 53: frontier model"] == "no"
    assert crossed["New York RAISE Act: frontier model"] == "no"
    gc.rules_triggered(405e9, 15.6e12)
    assert "It crosses 1 of 4 thresholds: EU AI Act: systemic-risk presumption." in capsys.readouterr().out
    gc.rules_triggered(1e9, 1e12)
    assert "It crosses none of the 4 thresholds." in capsys.readouterr().out


def test_threshold_values_match_the_laws_cited_in_the_text():
    limits = {name: limit for name, limit, _, _ in gc.THRESHOLDS}
    assert limits["EU AI Act: systemic-risk presumption"] == 1e25   # Art. 51(2)
    assert limits["US EO 14110: reporting duty"] == 1e26           # Sec. 4.2(b)(i)
    assert limits["California SB 53: frontier model"] == 1e26
    assert limits["New York RAISE Act: frontier model"] == 1e26


def test_words_for_a_number_are_refused_with_how_to_write_it():
    with pytest.raises(InputError, match=r"^parameters must be a number, but got '405 billion'\.$"):
        gc.rules_triggered("405 billion", 15.6e12)
    with pytest.raises(InputError, match="flop = not a number is not sensible"):
        gc.thresholds_crossed(float("nan"))


# ---------------------------------------------------------------- unit 5

def test_smallest_cluster_is_exactly_the_fewest_chips_that_reach_the_threshold():
    chips = gc.smallest_cluster(1e26, H100, 0.4, 180)
    one_chip = H100 * 0.4 * 180 * 86_400
    assert chips * one_chip >= 1e26 > (chips - 1) * one_chip


def test_scope_counts_only_clusters_at_or_above_the_minimum():
    assert gc.in_scope([100, 50, 50, 10], 50) == (3, 200, 210)


def test_monitoring_job_prints_the_cluster_its_power_and_the_clusters_to_watch(capsys):
    chips = gc.monitoring_job(1e25, 180, H100, 0.4, 1_400, [2_000, 1_000, 1_626, 1_625])
    assert chips == 1_626   # ceil(1e25 / (989e12 * 0.4 * 180 * 86400)), as the browser test expects
    out = capsys.readouterr().out
    assert "in 180 days: 1,626 chips" in out and "about 2.3 MW" in out
    assert "Clusters to watch: 2 of 4, holding 3,626 of 6,251 chips (58%)" in out


def test_chips_needed_fall_with_progress_and_faster_with_algorithms():
    later = gc.chips_needed_later
    assert later(16_000, 2.5, 2.5) == 8_000
    assert later(16_000, 2, 2.5, 8) < later(16_000, 2, 2.5)
    assert later(16_000, 30, 0.25, 1) == 1   # never below one chip


def test_shrinking_scope_says_where_the_lines_end_in_five_years(capsys):
    gc.shrinking_scope(16_000, 2.5, 8)
    out = capsys.readouterr().out
    assert f"In 5 years, 4,000 chips could cross the same FLOP line, and " \
           f"{math.ceil(16_000 / 2 ** 2 / 2 ** (60 / 8)):,} could match today's capability (today: 16,000)." in out


@pytest.mark.parametrize("call, message", [
    (lambda: gc.in_scope([], 100), "^clusters is empty"),
    (lambda: gc.in_scope(16_000, 100), "^clusters must be a list"),
    (lambda: gc.in_scope([100, -5], 100), "^cluster size = -5 is not sensible"),
    (lambda: gc.smallest_cluster(1e26, H100, 0, 180), "^utilisation = 0 is not sensible"),
    (lambda: gc.chips_needed_later(16_000, -1, 2.5), "^years = -1 is not sensible"),
    (lambda: gc.monitoring_job(1e26, 180, H100, 0.4, -1, [1]), "^watts_per_chip_all_in = -1 is not sensible"),
    (lambda: gc.shrinking_scope(None, 2.5, 8), "^min_chips must be a number"),
])
def test_unit5_calculators_refuse_impossible_inputs_in_plain_words(call, message):
    with pytest.raises(InputError, match=message):
        call()


# ---------------------------------------------------------------- chips, and numbers beside lines

def test_chip_presets_give_dense_peaks_and_8_bit_doubles_16_bit_where_it_exists():
    assert gc.peak() == gc.peak("H100", "16-bit") == H100
    assert gc.peak("H200") == H100                      # same compute, more memory
    assert gc.peak("B200", "16-bit") == 2.25e15 and gc.peak("GB200", "8-bit") == 5e15
    for name, (sixteen, eight, _) in gc.CHIPS.items():
        assert eight is None or abs(eight / sixteen - 2) < 2e-3, name


@pytest.mark.parametrize("chip, precision, message", [
    ("h100", "16-bit", "'h100' is not in the list: use one of 'A100', 'H100'"),
    ("H100", "fp8", "use \"16-bit\" or \"8-bit\""),
    ("A100", "8-bit", "The A100 has no 8-bit floating-point mode"),
])
def test_an_unknown_chip_or_precision_is_refused_in_plain_words(chip, precision, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        gc.peak(chip, precision)


def test_fewer_newer_chips_reach_the_same_line():
    h100 = gc.smallest_cluster(1e26, gc.peak("H100"), 0.4, 180)
    b200_fp8 = gc.smallest_cluster(1e26, gc.peak("B200", "8-bit"), 0.4, 180)
    assert h100 == 16_254 and b200_fp8 == math.ceil(h100 * 989e12 / 4.5e15)


def test_chip_table_lists_every_chip_in_tflops():
    rows = gc.chip_rows()
    assert [row[0] for row in rows] == list(gc.CHIPS)
    assert rows[0] == ["A100", "312", "none", "2020"] and rows[3][1:3] == ["2,250", "4,500"]


def test_a_run_just_under_a_line_never_prints_as_the_line_beside_not_crossed(capsys):
    # 9.96e25 used to print as "1.0 × 10^26" next to "crossed? no" for the 10^26 laws.
    flop = gc.rules_triggered(parameters=1e12, tokens=9.96e25 / 6e12)
    out = capsys.readouterr().out
    assert abs(flop - 9.96e25) < 1e20
    assert "compute (6 × parameters × tokens): 9.96 × 10^25 FLOP" in out
    gc.training_compute(1e12, 9.96e25 / 6e12, 1e5, H100, 0.4, 9.96e25 / (1e5 * H100 * 0.4 * 86_400))
    out = capsys.readouterr().out
    assert "9.96 × 10^25 FLOP" in out and "0.996 times the threshold (below)" in out


def test_monitoring_job_says_how_fast_the_largest_listed_cluster_crosses(capsys):
    gc.monitoring_job(1e26, 180, H100, 0.4, 1400, [16_384, 24_576, 200_000])
    out = capsys.readouterr().out
    days = 1e26 / (200_000 * H100 * 0.4 * 86_400)
    assert f"The largest cluster in the list (200,000 chips) would cross the threshold in {days:,.0f} days." in out


def test_scope_refuses_an_impossible_minimum():
    with pytest.raises(InputError, match="min_chips"):
        gc.in_scope([10, 20], -5)


PUBLIC_INPUTS = dict(parameters=405e9, tokens=15.6e12, chips=16_000, peak_flop_per_second=H100, utilisation=0.4,
                     days=80, flop=3.8e25, dollars_per_chip_hour=2, price_performance_doubling_years=2.5,
                     cost_today=1e6, years=3, doubling_years=2.5, doubling_months=6, threshold_flop=1e26,
                     max_days=180, watts_per_chip_all_in=1400, clusters=[20_000, 100], cluster_sizes=[20_000, 100],
                     min_chips=16_254, min_chips_today=16_254, chip_doubling_years=2.5, algorithm_halving_months=8,
                     chip="H100", precision="16-bit")
CALLS = [(name, param) for name in gc.__all__ if callable(getattr(gc, name)) and name not in ("chip_rows", "chip_table")
         for param in inspect.signature(getattr(gc, name)).parameters if param in PUBLIC_INPUTS
         and (name, param) != ("chips_needed_later", "algorithm_halving_months")]   # None: chips alone


@pytest.mark.parametrize("name, param", CALLS)
@pytest.mark.parametrize("bad", ["1400", None, ["x"], {}, -1e30, float("nan")], ids=repr)
def test_every_public_function_refuses_nonsense_in_plain_words_not_a_python_error(name, param, bad, capsys):
    """A reader may call any of them from a block: what they get wrong is named, never a TypeError."""
    func = getattr(gc, name)
    inputs = {p: PUBLIC_INPUTS[p] for p in inspect.signature(func).parameters if p in PUBLIC_INPUTS}
    with pytest.raises(InputError):
        func(**{**inputs, param: bad})
