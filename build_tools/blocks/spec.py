"""Parse a ```pyodide fence: header options and body sections (pure functions, no Markdown).

    ```pyodide id="merge" timeout="20"
    reader code            <- everything before the first marker line
    # %% setup             <- hidden, runs before the reader's code
    # %% check             <- hidden @check("...") functions, run after it
    # %% solution          <- replaces the reader's code when CI verifies the checks
    ```

Errors are BlockError(message, line) with `line` relative to the fence: 0 is the fence line itself,
1 the first line of the body. Callers that know the page add the file and the absolute line.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

from build_tools.blocks.contract import DEFAULT_TIMEOUT, LANGUAGE, MAX_TIMEOUT, SECTIONS

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
EXCEPTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
MARKER = re.compile(r"^# ?%%(?P<rest>.*)$")


class BlockError(ValueError):
    """A malformed block: `line` is relative to the fence (0 = the fence line)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line


class SyntaxErrorInBlock(BlockError):
    """Python that does not compile; a block marked raises="SyntaxError" may show one on purpose."""


@dataclass(frozen=True)
class Options:
    id: str | None = None
    session: str | None = None
    packages: tuple[str, ...] = ()
    raises: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    prerender: bool = True


@dataclass(frozen=True)
class Block:
    options: Options = field(default_factory=Options)
    code: str = ""  # what the reader sees and edits
    setup: str = ""
    check: str = ""
    solution: str | None = None

    @property
    def is_exercise(self) -> bool:
        return bool(self.check)

    def spec(self) -> dict:
        """The JSON the page's script reads (options + sections)."""
        return {**asdict(self.options), "packages": list(self.options.packages),
                "code": self.code, "setup": self.setup, "check": self.check, "solution": self.solution}

    def digest(self) -> str:
        """Content hash: same block text and options -> same digest (pre-render cache, placeholders)."""
        return hashlib.sha256(json.dumps(self.spec(), sort_keys=True).encode()).hexdigest()[:16]


def _bool(name: str, value: str) -> bool:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BlockError(f'option {name}="{value}": expected {name}="true" or {name}="false"')


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_TIMEOUT:
        raise BlockError(f'option timeout="{value}": expected seconds between 1 and {MAX_TIMEOUT:.0f}, '
                         'e.g. timeout="30"')
    return seconds


def _matching(name: str, value: str, pattern: re.Pattern, example: str) -> str:
    if not pattern.match(value):
        raise BlockError(f'option {name}="{value}" is malformed: expected e.g. {name}="{example}"')
    return value


def _packages(value: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in value.split(",") if p.strip())
    for name in names:
        _matching("packages", name, PACKAGE, "numpy,regex")
    if not names:
        raise BlockError('option packages="" names no package: expected e.g. packages="numpy"')
    return names


OPTION_PARSERS = {
    "id": lambda v: _matching("id", v, SLUG, "bpe-merge"),
    "session": lambda v: _matching("session", v, SLUG, "tokenizer"),
    "packages": _packages,
    "raises": lambda v: _matching("raises", v, EXCEPTION, "ValueError"),
    "timeout": _timeout,
    "prerender": lambda v: _bool("prerender", v),
}


def parse_options(inputs: dict[str, str]) -> Options:
    """Header options (superfences passes `key` alone as {key: key}) -> Options, or BlockError."""
    values = {}
    for key, value in inputs.items():
        if key not in OPTION_PARSERS:
            close = difflib.get_close_matches(key, OPTION_PARSERS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            known = ", ".join(OPTION_PARSERS)
            raise BlockError(f"unknown option '{key}' on the ```{LANGUAGE} fence: {hint}(known options: {known})")
        values[key] = OPTION_PARSERS[key](value)
    return Options(**values)


def _strip_blank_edges(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines) + ("\n" if lines else "")


def split_sections(source: str, compile_code: bool = True) -> dict[str, tuple[str, int]]:
    """Body -> {"code"|"setup"|"check"|"solution": (text, first body line of the section)}."""
    current, start = "code", 1
    found: dict[str, tuple[list[str], int]] = {"code": ([], 1)}
    for number, line in enumerate(source.splitlines(), start=1):
        match = MARKER.match(line.rstrip())
        if not match:
            found[current][0].append(line.rstrip())
            continue
        name = match.group("rest").strip()
        if name not in SECTIONS:
            raise BlockError(f"unknown section marker '{line.strip()}': expected '# %% setup', "
                             f"'# %% check' or '# %% solution'", number)
        if name in found:
            raise BlockError(f"duplicate section '# %% {name}' (first at body line {found[name][1]})", number)
        current, start = name, number + 1
        found[name] = ([], start)
    for name, (lines, line) in found.items():
        if compile_code or name != "code":
            _compile(name, lines, line)
    return {name: (_strip_blank_edges(lines), line) for name, (lines, line) in found.items()}


def _compile(section: str, lines: list[str], first_line: int) -> None:
    """A syntax error fails the build here, naming its line, rather than later at pre-render."""
    try:
        compile("\n".join(lines), f"<{section}>", "exec", dont_inherit=True)
    except SyntaxError as error:
        where = "the reader's code" if section == "code" else f"the '# %% {section}' section"
        line = first_line + (error.lineno or 1) - 1
        raise SyntaxErrorInBlock(f"syntax error in {where}: {error.msg}", line) from None


def parse_block(source: str, inputs: dict[str, str]) -> Block:
    """Fence body + header options -> Block, or BlockError naming the problem and its line."""
    options = parse_options(inputs)
    try:
        sections = split_sections(source)
    except SyntaxErrorInBlock:
        if not (options.raises or "").endswith(("SyntaxError", "IndentationError", "TabError")):
            raise
        sections = split_sections(source, compile_code=False)
    code = sections["code"][0]
    setup = sections.get("setup", ("", 0))[0]
    check, check_line = sections.get("check", ("", 0))
    solution = sections["solution"][0] if "solution" in sections else None
    if "check" in sections:
        if "@check(" not in check:
            raise BlockError("the '# %% check' section has no @check(\"...\") function: decorate each "
                             "no-argument check function with @check(\"what it checks\")", check_line - 1)
        if solution is None:
            raise BlockError("an exercise with '# %% check' needs a '# %% solution' section "
                             "(CI runs the checks against it)", check_line - 1)
    if "solution" in sections and not solution:
        raise BlockError("the '# %% solution' section is empty", sections["solution"][1] - 1)
    if not code.strip() and solution is None:
        raise BlockError("the block has no code before its first '# %%' marker", 1)
    if "check" in sections and options.raises:
        raise BlockError('raises="..." cannot be combined with a \'# %% check\' section (an exercise '
                         "must run cleanly with its solution)")
    return Block(options=options, code=code, setup=setup, check=check, solution=solution)
