# The two commands a newcomer needs are `make serve` and `make test` (see README.md).
.PHONY: serve serve-fast build test test-fast lint setup bench notebooks venue-kit facts

export DISABLE_MKDOCS_2_WARNING = true
export NO_MKDOCS_2_WARNING = 1

serve: setup
	.venv/bin/mkdocs serve --strict

# Rebuild only the edited page (MkDocs --dirty; it cannot be combined with --strict).
serve-fast: setup
	.venv/bin/mkdocs serve --dirty

build: setup
	.venv/bin/mkdocs build --strict

setup:
	bash scripts/setup.sh

test:
	bash scripts/test.sh

# The fast tier (< 30 s): no browser, no torch, no site build, no notebook execution. The guard in
# tests/conftest.py fails the run if one of these imports torch, transformers or Playwright.
FAST_TESTS = tests/unit tests/gpt2_chapters/test_tokenizer.py tests/gpt2_chapters/test_chapter_blocks.py \
	tests/governance/test_pages.py tests/governance/test_calculators.py
test-fast: .venv/bin/pytest
	COURSE_TEST_FAST=1 .venv/bin/python -m pytest -q -m "not browser and not notebook and not gpu" $(FAST_TESTS) $(ARGS)

# ruff, configured in pyproject.toml ([tool.ruff]); `make test` runs it first.
lint: .venv/bin/ruff
	.venv/bin/ruff check .

.venv/bin/pytest .venv/bin/ruff:
	bash scripts/setup.sh --test

bench: setup
	.venv/bin/python bench/build.py

# Sources to re-check: governance links whose "checked YYYY-MM-DD" title is older than AGE days.
AGE ?= 90
facts: setup
	.venv/bin/python -m build_tools.site.facts --older-than $(AGE) $(ARGS)

# Regenerate docs/notebooks/ (exercise + solution .ipynb) from course_src/ after editing a source.
notebooks:
	.venv/bin/python -m build_tools.notebooks

# The offline venue kit (docs/organizers/offline-venue.md), run at home while online:
# `make venue-kit KIT=~/venue-kit ARGS="--platform win_amd64 --python-version 3.12"`.
venue-kit: setup
	$(if $(KIT),,$(error set KIT to a folder outside the repository, e.g. make venue-kit KIT=~/venue-kit))
	.venv/bin/python -m build_tools.venue prepare $(KIT) $(ARGS)
