# The two commands a newcomer needs are `make serve` and `make test` (see README.md).
.PHONY: serve build test setup bench notebooks

export DISABLE_MKDOCS_2_WARNING = true
export NO_MKDOCS_2_WARNING = 1

serve: setup
	.venv/bin/mkdocs serve --strict

build: setup
	.venv/bin/mkdocs build --strict

setup:
	bash scripts/setup.sh

test:
	bash scripts/test.sh

bench: setup
	.venv/bin/python bench/build.py

# Regenerate docs/notebooks/ (exercise + solution .ipynb) from course_src/ after editing a source.
notebooks:
	.venv/bin/python -m build_tools.notebooks
