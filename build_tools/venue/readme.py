"""README.txt of a kit: what is inside, what is missing, and the command that fetches each missing part."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Report:
    inside: list[str] = field(default_factory=list)  # one line per part present
    missing: list[str] = field(default_factory=list)  # "what: why; the command to fetch it at home"
    notes: list[str] = field(default_factory=list)


def _size(path) -> str:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else \
        (path.stat().st_size if path.is_file() else 0)
    return f"{total / 1e6:,.1f} MB"


def render(report: Report, kit_root) -> str:
    lines = [f"Offline venue kit, prepared {date.today().isoformat()} by `python -m build_tools.venue prepare`.",
             "", "At the venue:  python -m build_tools.venue serve THIS_FOLDER [--port 8000]",
             "(from a clone of the course repository; it prints the addresses and the commands for participants).",
             "", "Inside:"]
    lines += [f"  - {line}" for line in report.inside] or ["  (nothing)"]
    lines += ["", "Missing (download at home):" if report.missing else "Missing: nothing."]
    lines += [f"  - {line}" for line in report.missing]
    if report.notes:
        lines += ["", "Notes:"] + [f"  - {line}" for line in report.notes]
    lines += ["", f"Total size: {_size(kit_root)}."]
    return "\n".join(lines) + "\n"
