"""Chapters 1 and 6: the direct-logit-attribution exercise catches plausible wrong splits by name,
and the claims the text makes about the split and about the hand-built probe hold on the shipped
model."""

from __future__ import annotations

import pytest

from build_tools.blocks.check import DOCS
from tests.page_checks import failed_messages, namespace, passes, verified

PAGE = "circuits/01-why-interpretability.md"


SPLIT = '''
def contributions(position, token):
    column = {column}
    dot = lambda vector: sum(a * b for a, b in zip(vector, column))
    tok_vec = {token_vector}
    parts = {{"token embedding": dot(tok_vec), "position embedding": dot({position_vector})}}
    for l in range(cfg["n_layers"]):
        for h in range(cfg["n_heads"]):
            parts[{name}] = dot(cache["result", l, h][position])
    return parts
'''
RIGHT = dict(token_vector='W["embed.W_E"][tokens[position]]', position_vector='W["pos_embed.W_pos"][position]',
             name='f"{l}.{h}"', column='[row[token] for row in W["unembed.W_U"]]')
MISTAKES = {
    "position folded into the token embedding": (
        dict(token_vector='[e + p for e, p in zip(W["embed.W_E"][tokens[position]], W["pos_embed.W_pos"][position])]',
             position_vector="[0.0] * cfg['d_model']"), "add it into the token embedding"),
    "the next token's embedding": (dict(token_vector='W["embed.W_E"][tokens[position + 1]]'), "did you include"),
    "a row of W_U instead of a column": (dict(column='W["unembed.W_U"][token]'), "did you include"),
    "heads named head.layer": (dict(name='f"{h}.{l}"'), "missing heads"),
}


def test_the_published_split_passes_and_the_page_runs():
    _, results, _ = verified(PAGE)
    assert all(r["ok"] for r in results.values()), results


def test_an_independent_right_split_passes_every_check():
    assert passes(PAGE, "dla-exercise", SPLIT.format(**RIGHT))


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_dla_check_names_the_mistake(mistake):
    change, named = MISTAKES[mistake]
    assert named in failed_messages(PAGE, "dla-exercise", SPLIT.format(**{**RIGHT, **change}))


def test_layer_1_heads_write_most_of_the_correct_tokens_advantage_on_the_second_copy():
    ns = namespace(PAGE)
    centred = ns["centred"]
    layer1 = sum(v for k, v in centred.items() if k.startswith("1."))
    rest = sum(abs(v) for k, v in centred.items() if not k.startswith("1."))
    assert layer1 > 4 * rest
    assert max(abs(ns["raw"][k] - centred[k]) for k in centred) < 0.1, "the page: the two columns nearly agree"


def test_probe_misses_only_after_position_28_on_the_page_and_mostly_after_it_elsewhere():
    _, results, _ = verified("circuits/06-onwards.md")
    assert all(r["ok"] for r in results.values()), results
    ns = namespace("circuits/06-onwards.md")
    missed = [j for j in range(2, len(ns["tokens"])) if not ns["hits"][j - 2]]
    assert missed and min(missed) > 28, missed
    assert "every miss comes after position 28" in " ".join((DOCS / "circuits" / "06-onwards.md").read_text().split())
    exec(
        "import random as _r\n"
        "_early = _late = _n_early = _n_late = 0\n"
        "for _seed in range(10):\n"
        "    _rng = _r.Random(100 + _seed)\n"
        "    _t = [0] + [_rng.randrange(1, 64) for _ in range(47)]\n"
        "    _out = forward(cfg, W, _t)[1]['result', layer, head]\n"
        "    for _j in range(2, 48):\n"
        "        _hit = read_previous_token(_out[_j]) == _t[_j - 1]\n"
        "        if _j <= 28:\n"
        "            _early, _n_early = _early + _hit, _n_early + 1\n"
        "        else:\n"
        "            _late, _n_late = _late + _hit, _n_late + 1\n",
        ns)
    assert ns["_early"] / ns["_n_early"] > 0.85 and ns["_late"] / ns["_n_late"] < 0.3
