"""python -m build_tools.venue prepare KIT_DIR [...] | serve KIT_DIR [--port 8000]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build_tools.venue", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    prep = commands.add_parser("prepare", help="at home, online: make the kit folder")
    prep.add_argument("kit_dir", type=Path)
    prep.add_argument("--pyodide-full", type=Path, metavar="PATH",
                      help="an unpacked full Pyodide release, for the packages pages load (packages=\"...\")")
    prep.add_argument("--platform", action="append", metavar="TAG",
                      help="participants' platform tag (repeatable), e.g. manylinux_2_28_x86_64, "
                           "macosx_11_0_arm64, win_amd64; default: this machine's")
    prep.add_argument("--python-version", action="append", metavar="X.Y",
                      help="participants' Python version (repeatable); default: this interpreter's")
    prep.add_argument("--wheels-from", type=Path, metavar="DIR",
                      help="take the wheels from DIR instead of downloading them")
    prep.add_argument("--with", dest="extra", action="append", metavar="REQUIREMENT",
                      help="one more requirement to carry (repeatable), e.g. notebook or ipykernel")
    prep.add_argument("--no-download", action="store_true",
                      help="download nothing: build the site, copy what is local, list the rest as missing")

    srv = commands.add_parser("serve", help="at the venue: serve the kit on the local network")
    srv.add_argument("kit_dir", type=Path)
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    srv.add_argument("--verbose", action="store_true", help="log every request")

    args = parser.parse_args(argv)
    if args.command == "prepare":
        from build_tools.venue.prepare import prepare, valid_requirement

        if args.wheels_from is not None and not args.wheels_from.is_dir():
            parser.error(f"--wheels-from {args.wheels_from}: not a folder")
        for extra in args.extra or []:
            if not valid_requirement(extra):
                parser.error(f"--with {extra!r}: not a requirement (PEP 508), e.g. notebook or ipykernel>=6")
        prepare(args.kit_dir, pyodide_full=args.pyodide_full, platforms=args.platform,
                python_versions=args.python_version, wheels_from=args.wheels_from,
                download=not args.no_download, extra_requirements=args.extra)
        print((args.kit_dir / "README.txt").read_text(encoding="utf-8"))
        return 0
    from build_tools.venue.server import serve

    serve(args.kit_dir, args.host, args.port, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
