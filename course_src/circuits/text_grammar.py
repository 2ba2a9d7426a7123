"""A tiny synthetic language whose bigrams and skip-trigrams we planted, for zero- and one-layer models.

Uniform random tokens (the induction data) have no bigrams and no skip-trigrams, so the zero- and
one-layer story of Elhage et al. (2021) has nothing to show there. This grammar has both, and we
know them exactly, so what a model learns can be checked against the truth:

  bigrams        "the" is followed by an adjective or a noun, an adjective by a noun, a noun by a
                 verb or "." ..., and "in" and "at" by "the" (a place follows)
  skip-trigrams  "keeps ... in -> mind" and "keeps ... at -> bay": after "keeps the dog", "in" is
                 followed by "mind" and "at" by "bay" (the Framework's own example, "keep ... in
                 mind" / "keep ... at bay")

Token 0 is "." (the end of a sentence, also the first token of every sequence, like BOS).
"""

from __future__ import annotations

import random

import torch

ADJECTIVES = ["big", "small", "red", "old"]
NOUNS = ["cat", "dog", "bird", "man", "house", "door"]
VERBS = ["sees", "likes", "finds"]
VOCAB = [".", "the", *ADJECTIVES, *NOUNS, *VERBS, "keeps", "in", "at", "mind", "bay"]
ID = {word: i for i, word in enumerate(VOCAB)}


def noun_phrase(rng: random.Random) -> list[str]:
    """"the" (adjective) noun: the adjective half the time."""
    return ["the"] + ([rng.choice(ADJECTIVES)] if rng.random() < 0.5 else []) + [rng.choice(NOUNS)]


def sentence(rng: random.Random) -> list[str]:
    """One sentence, ending in ".": plain, with a place, or with "keeps ... in mind / at bay"."""
    kind = rng.random()
    if kind < 0.3:                                   # the dog keeps the cat in mind / at bay
        return [*noun_phrase(rng), "keeps", *noun_phrase(rng), *rng.choice([["in", "mind"], ["at", "bay"]]), "."]
    words = [*noun_phrase(rng), rng.choice(VERBS), *noun_phrase(rng)]
    if kind < 0.65:                                  # ... in the house / at the door
        words += [rng.choice(["in", "at"]), *noun_phrase(rng)]
    return words + ["."]


def text_batch(batch: int, seq_len: int, generator: torch.Generator) -> torch.Tensor:
    """(batch, seq_len) int64: "." then sentences, cut at seq_len tokens."""
    rng = random.Random(int(torch.randint(2**31, (1,), generator=generator)))
    rows = []
    for _ in range(batch):
        seq = [ID["."]]
        while len(seq) < seq_len:
            seq += [ID[w] for w in sentence(rng)]
        rows.append(seq[:seq_len])
    return torch.tensor(rows)


def encode(text: str) -> list[int]:
    """"the dog keeps the cat in" -> token ids, with the leading "."."""
    return [ID["."]] + [ID[w] for w in text.split()]
