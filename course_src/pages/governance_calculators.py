"""The governance calculators, kept out of the reader's sight.

A calculator block in docs/governance (units 1, 4 and 5) reads as a form: a few labelled inputs
the reader changes, then one call to a function here, which checks the inputs and prints the
answer in words (with a table or chart where one helps):

    from governance_calculators import training_compute

    parameters = 405e9   # the model's size
    ...
    training_compute(parameters, tokens, chips, peak_flop_per_second, utilisation, days)

An impossible input stops with `course.InputError` (from governance_numbers.require), so the page
shows only its plain-language message. The small functions (flop_from_model, smallest_cluster, ...)
are the arithmetic each unit explains in its text; the printed answers repeat the rule they used.
"""

from __future__ import annotations

import math

from course import InputError, lines, table
from governance_numbers import require, sci, sci_apart

__all__ = [
    "CHIPS", "PRECISIONS", "peak", "chip_table",
    "flop_from_model", "flop_from_hardware", "training_compute",
    "training_cost", "cost_after", "rental_cost",
    "growth_factor", "trend_chart",
    "THRESHOLDS", "STATUS_CHECKED", "thresholds_crossed", "rules_triggered",
    "smallest_cluster", "in_scope", "days_to_reach", "monitoring_job", "chips_needed_later", "shrinking_scope",
]

SECONDS_PER_DAY = 86_400

# ---------------------------------------------------------------- chips: peak speed per chip

# Peak tensor-core speed of one chip in FLOP per second, dense (Nvidia's datasheets print figures
# "with sparsity", twice these), for 16-bit (BF16/FP16) and 8-bit (FP8) training. Checked
# 2026-11-30 against Nvidia's pages: https://www.nvidia.com/en-us/data-center/a100/, .../h100/,
# .../h200/ (same compute as H100, more memory), .../hgx/ (HGX B200: 4.5 and 9 PFLOP/s per GPU
# with sparsity) and .../gb200-nvl72/ (5 and 10 PFLOP/s per GPU with sparsity).
PRECISIONS = ("16-bit", "8-bit")
CHIPS = {   # name: (16-bit, 8-bit or None, the year it shipped in volume)
    "A100": (312e12, None, 2020),
    "H100": (989e12, 1979e12, 2023),
    "H200": (989e12, 1979e12, 2024),
    "B200": (2.25e15, 4.5e15, 2025),
    "GB200": (2.5e15, 5e15, 2025),
}
H100_PEAK = CHIPS["H100"][0]


def peak(chip="H100", precision="16-bit") -> float:
    """Peak FLOP per second of one `chip` at `precision` ("16-bit" or "8-bit"), from CHIPS."""
    if not isinstance(chip, str) or chip not in CHIPS:
        raise InputError(f"chip = {chip!r} is not in the list: use one of {', '.join(map(repr, CHIPS))}.")
    if precision not in PRECISIONS:
        raise InputError(f"precision = {precision!r}: use \"16-bit\" or \"8-bit\".")
    value = CHIPS[chip][PRECISIONS.index(precision)]
    if value is None:
        raise InputError(f"The {chip} has no 8-bit floating-point mode: use \"16-bit\" or a newer chip.")
    return value


def chip_rows() -> list[list[str]]:
    return [[name, f"{sixteen / 1e12:,.0f}", f"{eight / 1e12:,.0f}" if eight else "none", str(year)]
            for name, (sixteen, eight, year) in CHIPS.items()]


def chip_table() -> None:
    """The chips the calculators know, as a table (peak speed per chip, dense)."""
    table(chip_rows(),
          header=["chip", "16-bit, TFLOP/s", "8-bit, TFLOP/s", "in volume from"],
          title="Peak speed of one chip (dense)")

# ---------------------------------------------------------------- unit 1: compute, cost, trends

# The two compute lines that unit 1 compares a run with (unit 4 explains the laws).
LEGAL_LINES = [("EU AI Act presumption (10^25)", 1e25),
               ("California SB 53 / New York RAISE (10^26)", 1e26)]


def flop_from_model(parameters, tokens) -> float:
    """Training compute ≈ 6 × parameters × tokens."""
    n = require("parameters", parameters, 1e6, 1e15)
    d = require("tokens", tokens, 1e6, 1e17)
    return 6 * n * d


def flop_from_hardware(chips, peak_flop_per_second, utilisation, days) -> float:
    """Training compute = chips × peak speed × fraction of peak used × seconds."""
    chips = require("chips", chips, 1, 1e8)
    peak = require("peak_flop_per_second", peak_flop_per_second, 1e9, 1e18)
    used = require("utilisation", utilisation, 0.01, 1)
    days = require("days", days, 0.01, 3650)
    return chips * peak * used * days * SECONDS_PER_DAY


def training_compute(parameters, tokens, chips, peak_flop_per_second, utilisation, days) -> float:
    """Print both estimates of a run's compute and how it compares with the legal lines; return
    the estimate from the model."""
    by_model = flop_from_model(parameters, tokens)
    by_hardware = flop_from_hardware(chips, peak_flop_per_second, utilisation, days)
    lines_at = [threshold for _, threshold in LEGAL_LINES]
    print(f"From the model (6 × parameters × tokens):       {_apart_from_lines(by_model, lines_at)} FLOP")
    print(f"From the hardware (chips × speed × use × time): {_apart_from_lines(by_hardware, lines_at)} FLOP")
    ratio = max(by_model, by_hardware) / min(by_model, by_hardware)
    if ratio < 1.1:
        print("The two estimates agree to within 10%.")
    else:
        print(f"The two estimates differ by a factor of {ratio:.1f}: one of the inputs may be off.")
    for name, threshold in LEGAL_LINES:
        side = "above" if by_model > threshold else "below"
        print(f"{name}: this run is {by_model / threshold:.3g} times the threshold ({side})")
    return by_model


def training_cost(flop, peak_flop_per_second, utilisation, dollars_per_chip_hour) -> float:
    """Rental cost in dollars: chip-hours needed × price per chip-hour."""
    flop = require("flop", flop, 1e15, 1e32)
    peak = require("peak_flop_per_second", peak_flop_per_second, 1e9, 1e18)
    used = require("utilisation", utilisation, 0.01, 1)
    price = require("dollars_per_chip_hour", dollars_per_chip_hour, 0.01, 1000)
    chip_hours = flop / (peak * used) / 3600
    return chip_hours * price


def cost_after(cost_today, years, doubling_years) -> float:
    """The same compute, bought `years` later, if price-performance doubles every `doubling_years`."""
    cost_today = require("cost_today", cost_today, 0, 1e15)
    years = require("years", years, 0, 50)
    doubling = require("doubling_years", doubling_years, 0.25, 20)
    return cost_today / 2 ** (years / doubling)


def _amount(x: float) -> str:
    """53 million, 1.2 million, 41,000, 12: as a person says an amount."""
    if x >= 9.5e6:
        return f"{x / 1e6:,.0f} million"
    if x >= 1e6:
        return f"{x / 1e6:.1f} million"
    return f"{x:,.0f}"


def _dollars(amount: float) -> str:
    return "$" + _amount(amount)


def rental_cost(flop, dollars_per_chip_hour, price_performance_doubling_years,
                peak_flop_per_second=H100_PEAK, utilisation=0.40) -> float:
    """Print what renting `flop` costs today and in 1, 3 and 5 years (a table); return today's cost."""
    today = training_cost(flop, peak_flop_per_second, utilisation, dollars_per_chip_hour)
    chip_hours = today / dollars_per_chip_hour
    print(f"Renting {sci(flop)} FLOP takes about {_amount(chip_hours)} chip-hours at {utilisation:.0%} "
          f"of peak: about {_dollars(today)} today at ${dollars_per_chip_hour:,g} per chip-hour.")
    rows = [["today" if y == 0 else f"in {y} year{'s' if y > 1 else ''}",
             _dollars(cost_after(today, y, price_performance_doubling_years))] for y in (0, 1, 3, 5)]
    table(rows, header=["when", "rental cost of the same compute"], title=f"Renting {sci(flop)} FLOP")
    return today


def growth_factor(doubling_months, years) -> float:
    """How many times bigger after `years`, doubling every `doubling_months`."""
    doubling = require("doubling_months", doubling_months, 0.5, 600)
    years = require("years", years, 0, 30)
    return 2 ** (years * 12 / doubling)


def _times(x: float) -> str:
    return f"{x:,.0f}×" if x >= 10 else f"{x:.1f}×"


def trend_chart(trends) -> None:
    """Chart and table of how many times bigger each trend gets in 5 years, if it simply continued.

    `trends`: {name: doubling time in months}."""
    if not isinstance(trends, dict) or not trends:
        raise InputError('trends must list at least one trend as "name": doubling time in months, '
                         'between { and }, for example {"compute": 5.5}.')
    doubling = {str(name): require(f"the doubling time of {name!r}", months, 0.5, 600)
                for name, months in trends.items()}
    months = list(range(0, 61, 3))
    lines({name: [growth_factor(d, m / 12) for m in months] for name, d in doubling.items()},
          x=[m / 12 for m in months], title="If the trend continued", x_label="years from now",
          y_label="times bigger than today", log_y=True)
    table([[name] + [_times(growth_factor(d, y)) for y in (1, 3, 5)] for name, d in doubling.items()],
          header=["trend", "1 year", "3 years", "5 years"])


# ---------------------------------------------------------------- unit 4: the law's thresholds

STATUS_CHECKED = "30 November 2026"   # the day unit 4's sources were last checked (a test keeps it so)
# (instrument, threshold in operations, status as of STATUS_CHECKED, where the number is)
THRESHOLDS = [
    ("EU AI Act: systemic-risk presumption", 1e25, "in force since 2 Aug 2025; fines from 2 Aug 2026",
     "Reg. (EU) 2024/1689, Art. 51(2)"),
    ("US EO 14110: reporting duty", 1e26, "revoked 20 Jan 2025", "EO 14110, Sec. 4.2(b)(i)"),
    ("California SB 53: frontier model", 1e26, "in force since 1 Jan 2026",
     "SB 53 (2025), definition of frontier model"),
    ("New York RAISE Act: frontier model", 1e26, "in force from 1 Jan 2027",
     "RAISE Act, chapter amendment S.8828 (signed 27 Mar 2026)"),
]


def thresholds_crossed(flop) -> list[list[str]]:
    """One row per instrument: name, threshold, status, source, and whether `flop` is above it."""
    flop = require("flop", flop, 1, 1e35)
    return [[name, sci(limit), status, source, "yes" if flop > limit else "no"]
            for name, limit, status, source in THRESHOLDS]


def _apart_from_lines(flop, limits) -> str:
    """`flop` with enough digits to look different from every line it is not equal to."""
    return max((sci_apart(flop, limit) for limit in limits), key=len)


def rules_triggered(parameters, tokens) -> float:
    """Print a run's compute, which thresholds it crosses (a table), and a one-line summary;
    return its compute."""
    flop = flop_from_model(parameters, tokens)
    shown = _apart_from_lines(flop, [limit for _, limit, _, _ in THRESHOLDS])
    print(f"Estimated training compute (6 × parameters × tokens): {shown} FLOP")
    rows = thresholds_crossed(flop)
    table(rows, header=["instrument", "threshold", "status", "source", "crossed?"],
          title=f"Compute thresholds, status as of {STATUS_CHECKED}")
    crossed = [row[0] for row in rows if row[-1] == "yes"]
    if crossed:
        print(f"It crosses {len(crossed)} of {len(rows)} thresholds: {'; '.join(crossed)}.")
    else:
        print(f"It crosses none of the {len(rows)} thresholds.")
    return flop


# ---------------------------------------------------------------- unit 5: the monitoring job

def smallest_cluster(threshold_flop, peak_flop_per_second, utilisation, max_days) -> int:
    """Fewest chips that could reach threshold_flop within max_days."""
    threshold = require("threshold_flop", threshold_flop, 1e20, 1e32)
    peak = require("peak_flop_per_second", peak_flop_per_second, 1e9, 1e18)
    used = require("utilisation", utilisation, 0.01, 1)
    days = require("max_days", max_days, 1, 3650)
    one_chip = peak * used * days * SECONDS_PER_DAY   # FLOP one chip delivers in that time
    return math.ceil(threshold / one_chip)


def in_scope(cluster_sizes, min_chips) -> tuple[int, float, float]:
    """(clusters to watch, chips in them, chips in all clusters) for clusters of at least min_chips."""
    if not isinstance(cluster_sizes, (list, tuple)):
        raise InputError("clusters must be a list of numbers of chips between [ and ], "
                         "for example [16_000, 8_000].")
    if not cluster_sizes:
        raise InputError("clusters is empty: list the number of chips in each known cluster.")
    sizes = [require("cluster size", size, 1, 1e8) for size in cluster_sizes]
    min_chips = require("min_chips", min_chips, 1, 1e9)
    watched = [size for size in sizes if size >= min_chips]
    return len(watched), sum(watched), sum(sizes)


def days_to_reach(threshold_flop, chips, peak_flop_per_second, utilisation) -> float:
    """Days that `chips` chips need to deliver `threshold_flop`."""
    threshold = require("threshold_flop", threshold_flop, 1e15, 1e35)
    chips = require("chips", chips, 1, 1e9)
    peak = require("peak_flop_per_second", peak_flop_per_second, 1e9, 1e18)
    used = require("utilisation", utilisation, 0.01, 1)
    return threshold / (chips * peak * used * SECONDS_PER_DAY)


def _days(days: float) -> str:
    return f"{days * 24:.1f} hours" if days < 1 else f"{days:,.0f} days" if days >= 10 else f"{days:.1f} days"


def monitoring_job(threshold_flop, max_days, peak_flop_per_second, utilisation,
                   watts_per_chip_all_in, clusters) -> int:
    """Print the smallest cluster that can cross the threshold, its power draw, how many of
    `clusters` a pause would watch and how fast the largest of them could cross; return that
    smallest cluster's number of chips."""
    min_chips = smallest_cluster(threshold_flop, peak_flop_per_second, utilisation, max_days)
    watts = require("watts_per_chip_all_in", watts_per_chip_all_in, 1, 100_000)
    count, watched_chips, all_chips = in_scope(clusters, min_chips)
    print(f"Smallest cluster that can cross the threshold in {max_days:g} days: {min_chips:,} chips")
    megawatts = min_chips * watts / 1e6
    print(f"It would draw about {megawatts:.{0 if megawatts >= 10 else 1}f} MW of electricity, "
          f"day and night, for {max_days:g} days")
    print(f"Clusters to watch: {count} of {len(clusters)}, holding {watched_chips:,.0f} of "
          f"{all_chips:,.0f} chips ({watched_chips / all_chips:.0%})")
    largest = max(clusters)
    print(f"The largest cluster in the list ({largest:,.0f} chips) would cross the threshold in "
          f"{_days(days_to_reach(threshold_flop, largest, peak_flop_per_second, utilisation))}.")
    return min_chips


def chips_needed_later(min_chips_today, years, chip_doubling_years, algorithm_halving_months=None) -> int:
    """Cluster size that matches today's threshold run after `years` of progress."""
    min_chips_today = require("min_chips_today", min_chips_today, 1, 1e9)
    years = require("years", years, 0, 30)
    chip_doubling = require("chip_doubling_years", chip_doubling_years, 0.25, 20)
    factor = 2 ** (years / chip_doubling)
    if algorithm_halving_months is not None:
        halving = require("algorithm_halving_months", algorithm_halving_months, 1, 240)
        factor *= 2 ** (years * 12 / halving)
    return max(1, math.ceil(min_chips_today / factor))


def shrinking_scope(min_chips, chip_doubling_years, algorithm_halving_months) -> None:
    """Chart and table of the cluster that will be enough in 0–6 years, with better chips alone
    and with better chips and algorithms, starting from today's `min_chips`."""
    min_chips = require("min_chips", min_chips, 1, 1e9)
    require("algorithm_halving_months", algorithm_halving_months, 1, 240)   # the chart needs both lines
    years = [y / 2 for y in range(0, 13)]
    hardware_only = [chips_needed_later(min_chips, y, chip_doubling_years) for y in years]
    with_algorithms = [chips_needed_later(min_chips, y, chip_doubling_years, algorithm_halving_months)
                       for y in years]
    lines({"to cross the same FLOP line (better chips)": hardware_only,
           "to match the same capability (better chips and algorithms)": with_algorithms},
          x=years, title="How small a cluster is enough?", x_label="years from now",
          y_label="chips needed", log_y=True)
    table([[f"{y:g}", f"{h:,}", f"{a:,}"] for y, h, a in zip(years, hardware_only, with_algorithms, strict=True)
           if y in (1, 3, 5)],
          header=["years", "chips to cross the FLOP line", "chips to match the capability"])
    print(f"In 5 years, {hardware_only[10]:,} chips could cross the same FLOP line, and "
          f"{with_algorithms[10]:,} could match today's capability (today: {int(min_chips):,}).")
