"""Chapters 1, 2 and 6: browser exercises catch plausible wrong answers by name; examples in the text come from code."""

from __future__ import annotations

import re

import pytest

from tests import page_checks
from tests.support import ROOT

CHAPTER = "gpt2/06-sampling.md"
PAGE = ROOT / "docs" / CHAPTER


def failed_messages(block_id: str, code: str) -> str:
    return page_checks.failed_messages(CHAPTER, block_id, code)


FREQUENCY_MISTAKES = {
    "presence only": ("[z - alpha * (i in history) for i, z in enumerate(logits)]", "not alpha once"),
    "in place": ("[logits.__setitem__(i, logits[i] - alpha * history.count(i)) for i in range(len(logits))] "
                 "and logits or logits", "do not change the logits in place"),
    "every token": ("[z - alpha * len(history) for z in logits]", "never occurred keep their logits"),
    "scaled": ("[z * (1 - alpha * history.count(i)) for i, z in enumerate(logits)]", "expected [0.5, 0.5, 0.5, -1.0]"),
}


@pytest.mark.parametrize("mistake", sorted(FREQUENCY_MISTAKES))
def test_frequency_penalty_exercise_names_the_mistake(mistake):
    body, named = FREQUENCY_MISTAKES[mistake]
    code = f"def frequency_penalty(logits, history, alpha):\n    return {body}\n"
    assert named in failed_messages("frequency-penalty", code)


BEAM = '''
def beam_search(start, n, beams):
    kept = [(0.0, [start])] * ({copies})
    for _ in range(n):
        extensions = []
        for score, seq in kept:
            lps = log_softmax(next_logits(seq[-1]))
            options = [(lp, w) for w, lp in zip(vocab, lps) if lp > float("-inf")]
            if {own_best}:
                options = [max(options)]
            extensions += [(({add_score}) + lp, lp, seq + [w]) for lp, w in options]
        ranked = sorted(extensions, key=lambda c: -c[{rank_by}])[:beams]
        kept = [(s, q) for s, _, q in ranked]
    return kept
'''

BEAM_MISTAKES = {
    "copies of the prompt": (dict(copies="beams", own_best="False", add_score="score", rank_by=0),
                             "two beams are the same sequence"),
    "each beam's own best word": (dict(copies="1", own_best="len(kept) > 1", add_score="score", rank_by=0),
                                  "not each beam's own best word"),
    "ranked by the last word": (dict(copies="1", own_best="False", add_score="score", rank_by=1),
                                "not the last word's probability alone"),
    "score not accumulated": (dict(copies="1", own_best="False", add_score="0.0", rank_by=0),
                              "Add each new word's log-probability to its own sequence's score"),
}


@pytest.mark.parametrize("mistake", sorted(BEAM_MISTAKES))
def test_beam_search_exercise_names_the_mistake(mistake):
    settings, named = BEAM_MISTAKES[mistake]
    assert named in failed_messages("beam-search", BEAM.format(**settings))


def test_the_sentences_about_the_bigram_beams_are_what_the_blocks_print():
    blocks, _, sessions = page_checks.verified(CHAPTER)
    block = next(b for b in blocks if b.id == "beam-search")
    session = sessions[block.session]
    assert session.run(block.id, block.block.solution)["ok"]  # other tests leave wrong answers defined
    beam_search = session.namespace["beam_search"]
    best = {beams: " ".join(beam_search("the", 4, beams)[0][1]) for beams in (1, 3, 100)}
    text = PAGE.read_text(encoding="utf-8")
    assert best[1] == "the cat and a cat" and f'One beam gives greedy\'s "{best[1]}"' in text
    assert beam_search("the", 4, 3)[0][0] > beam_search("the", 4, 1)[0][0]  # "three beams find a likelier sequence"
    assert beam_search("the", 4, 100)[0][0] > beam_search("the", 4, 3)[0][0]  # "enough beams find the likeliest"


def test_the_kv_cache_sizes_in_the_text_are_gpt2_smalls():
    from tests.gpt2.course import model

    config = model.GPTConfig.from_preset("gpt2")
    per_token = 2 * config.n_layer * config.n_embd  # a key and a value per layer
    text = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert f"{per_token:,}".replace(",", "{,}") in text
    assert f"{per_token * 4:,} bytes in float32" in text
    assert f"about {per_token * 4 * config.block_size / 1e6:.1f} MB" in text
    d = config.n_embd  # weights (3d² + d² + 8d² per layer and token) vs attention (2td) break even at t = 6d
    assert 3 * d * d + d * d + 2 * (4 * d) * d == 12 * d * d and f"$t = 6d$, {6 * d:,} positions" in text
    assert 6 * d > config.block_size and f"its {config.block_size:,}-token" in text


def test_the_must_do_line_adds_up_to_the_chapters_time():
    text = PAGE.read_text(encoding="utf-8")
    front_time = int(re.search(r"^time: (\d+) min$", text, re.M).group(1))
    must, optional = (int(m) for m in re.search(r"\*\*Must do:\*\*.*?about (\d+) minutes.*?\*\*Optional:\*\*.*?"
                                                r"about (\d+) minutes", text, re.S).groups())
    assert must + optional == front_time
    marks = re.findall(r"^\*(Must do|Optional) · about (\d+) min · difficulty [1-5] of 5\*$", text, re.M)
    exercises = re.findall(r"^### Exercise", text, re.M)
    assert len(marks) == len(exercises), "every exercise has a time, a difficulty and must do / optional"
    assert sum(int(t) for kind, t in marks if kind == "Optional") == optional


def test_the_tokens_chapter_1_points_at_are_what_its_training_learns():
    """Chapter 1 names learned tokens as examples of BPE without word boundaries; they must be learned."""
    sessions = page_checks.verified("gpt2/01-tokenization.md")[2]
    trained = next(s.namespace for s in sessions.values() if "merges" in s.namespace and "train_bpe" in s.namespace)
    learned = [trained["vocab"][i] for i in trained["merges"].values()]
    text = " ".join((ROOT / "docs" / "gpt2" / "01-tokenization.md").read_text(encoding="utf-8").split())
    assert "Notice tokens such as `b's '`, `b'e '` and `b't '`" in text
    assert {b"s ", b"e ", b"t "} <= set(learned[:12])  # shown in the table of the first 12 merges
    assert learned[0] == b" t" and "The first merge, `b' t'`" in text
    assert b". " in learned and b"s a" in learned and "(`b'. '`)" in text and "(`b's a'`)" in text
    ranks = next(s.namespace["ranks"] for s in sessions.values() if "ranks" in s.namespace)
    assert min(ranks, key=lambda token: ranks[token] if len(token) > 1 else 10**9) == b" t"  # GPT-2's first merge


def test_chapter_6_quotes_the_sampling_notebooks_own_estimates():
    source = (ROOT / "course_src" / "gpt2" / "03_sample.py").read_text(encoding="utf-8")
    marks = re.findall(r"^# ## Exercise \d+: .*\n#\n# \*(Must do|Optional) · about (\d+) min", source, re.M)
    total, must = sum(int(m) for _, m in marks), sum(int(m) for kind, m in marks if kind == "Must do")
    text = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert len(marks) == 5
    assert f"(about {total} minutes; its first two exercises, {must} minutes, are the must-dos)" in text
    assert f"(about {total} min, only the first two exercises are must-dos)" in text
