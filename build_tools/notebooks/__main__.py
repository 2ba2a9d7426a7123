"""`python -m build_tools.notebooks [--check]`: regenerate (or check) docs/notebooks/ from course_src/."""

from build_tools.notebooks.generate import main

raise SystemExit(main())
