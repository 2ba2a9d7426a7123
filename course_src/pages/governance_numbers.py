"""Numbers for the governance calculators: written as a person would write them, and checked.

    from governance_numbers import require, sci

    n = require("parameters", parameters, 1e6, 1e15)   # a float, or an InputError a reader can act on
    print(sci(6 * n * d), "FLOP")                      # '3.8 × 10^25 FLOP'

The calculators in docs/governance (units 1, 4 and 5) are read by people who may never have
programmed, so an impossible input stops with a sentence that names the input and a sensible range,
in the notation of the text ("7 × 10^9", never "7e+09"). That stop is a `course.InputError` (a
ValueError): the page shows its message alone, with no traceback. The calculators themselves are in
governance_calculators.py.
"""

from __future__ import annotations

import math

from course import InputError

__all__ = ["readable", "sci", "sci_apart", "require"]


def _split(x: float, digits: int) -> tuple[float, int]:
    """x = mantissa × 10^exponent with 1 <= |mantissa| < 10 after rounding to `digits` significant digits."""
    exponent = math.floor(math.log10(abs(x)))
    mantissa = round(x / 10**exponent, digits - 1)
    if abs(mantissa) >= 10:  # 9.96e25 rounds to 10.0 × 10^25: write 1.0 × 10^26
        exponent += 1
        mantissa = round(x / 10**exponent, digits - 1)
    return mantissa, exponent


def readable(x) -> str:
    """-7e9 -> '-7 × 10^9'; 0.4 -> '0.4'; 16000 -> '16,000': numbers as a person would write them."""
    if x != x:
        return "not a number"
    if x in (float("inf"), float("-inf")):
        return "infinity" if x > 0 else "minus infinity"
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:,g}"
    mantissa, exponent = _split(x, 6)  # :g shows 6 significant digits
    return f"{mantissa:g} × 10^{exponent}"


def sci(x, digits: int = 2) -> str:
    """3.8e25 -> '3.8 × 10^25': `digits` significant digits, easier to read aloud than 3.8e+25."""
    if x != x or x in (float("inf"), float("-inf")) or x == 0:
        return readable(x)
    mantissa, exponent = _split(x, digits)
    return f"{mantissa:.{digits - 1}f} × 10^{exponent}"


def sci_apart(x, line) -> str:
    """`x` in `sci` with as many digits as it takes not to look equal to `line` when it is not:
    9.96e25 beside a 10^26 line is '9.96 × 10^25', not '1.0 × 10^26' next to "not crossed"."""
    for digits in (2, 3, 4, 5):
        if x == line or sci(x, digits) != sci(line, digits):
            return sci(x, digits)
    return readable(x)


def require(name: str, value, low: float, high: float) -> float:
    """`value` as a float if it is a number from `low` to `high`; otherwise stop with a message a reader
    can act on (an InputError: the page shows the message alone)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name} must be a number, but got {value!r}.")
    if not low <= value <= high:  # also rejects NaN ("not a number")
        raise InputError(f"{name} = {readable(value)} is not sensible: "
                         f"use a number from {readable(low)} to {readable(high)}.")
    return float(value)
