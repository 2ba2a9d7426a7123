"""HellaSwag evaluation (course_src/gpt2/hellaswag.py) on examples in HellaSwag's JSONL format that
this test writes itself: rendering, scoring only the ending, and accuracy of a real model."""

from __future__ import annotations

import importlib
import json

import torch
from torch.nn import functional as F

from tests.gpt2.course import model

hellaswag = importlib.import_module("hellaswag")  # course_src/gpt2, put on sys.path by tests.gpt2.course

EXAMPLES = [
    {"ind": 0, "activity_label": "Baking", "ctx": "She puts the tray in the oven and",
     "endings": ["waits for the bread to rise.", "swims across the lake.", "paints the moon green.",
                 "reads the oven a poem."], "label": 0, "split": "val"},
    {"ind": 1, "activity_label": "Cycling", "ctx": "He pumps up the tyres, then he",
     "endings": ["eats the bicycle.", "rides to work.", "folds the road in half.", "sings to the pump."],
     "label": 1, "split": "val"},
    {"ind": 2, "activity_label": "Gardening", "ctx": "The gardener digs a hole and",
     "endings": ["flies away.", "posts it abroad.", "plants a small tree in it.", "forgets the spade."],
     "label": 2, "split": "val"},
]


def encode(text):  # bytes as token ids: a vocabulary of 256
    return list(text.encode("utf-8"))


def write(path):
    path.write_text("".join(json.dumps(e) + "\n" for e in EXAMPLES), encoding="utf-8")
    return path


def tiny_gpt(seed=0):
    torch.manual_seed(seed)
    return model.GPT(model.GPTConfig(block_size=64, vocab_size=256, n_layer=1, n_head=2, n_embd=32))


def test_reads_the_jsonl_and_renders_context_then_each_ending_scoring_only_the_ending(tmp_path):
    examples = hellaswag.read_examples(write(tmp_path / "val.jsonl"))
    assert examples == EXAMPLES and hellaswag.read_examples(tmp_path / "val.jsonl", limit=2) == EXAMPLES[:2]
    tokens, mask, label = hellaswag.render(EXAMPLES[1], encode)
    ctx = encode(EXAMPLES[1]["ctx"])
    assert tokens.shape[0] == 4 and label == 1
    for row, ending in enumerate(EXAMPLES[1]["endings"]):
        full = ctx + encode(" " + ending)
        assert tokens[row, : len(full)].tolist() == full and not tokens[row, len(full) :].any()
        assert mask[row].tolist() == [0] * len(ctx) + [1] * (len(full) - len(ctx)) + [0] * (tokens.shape[1] - len(full))


def test_ending_loss_is_the_mean_cross_entropy_of_the_ending_tokens_alone():
    gpt = tiny_gpt().eval()
    tokens, mask, _ = hellaswag.render(EXAMPLES[0], encode)
    total, mean = hellaswag.ending_losses(gpt, tokens, mask)
    ctx = encode(EXAMPLES[0]["ctx"])
    for row, ending in enumerate(EXAMPLES[0]["endings"]):  # each ending on its own, without padding
        full = torch.tensor([ctx + encode(" " + ending)])
        logits, _ = gpt(full)
        want = F.cross_entropy(logits[0, len(ctx) - 1 : -1], full[0, len(ctx) :])
        assert abs(mean[row].item() - want.item()) < 1e-5
        assert abs(total[row].item() - want.item() * (full.shape[1] - len(ctx))) < 1e-4


def test_a_model_that_learnt_the_right_endings_scores_full_marks_and_an_untrained_one_is_scored_consistently():
    untrained = tiny_gpt()
    result = hellaswag.evaluate(untrained, EXAMPLES, encode)
    assert result["n"] == 3 and 0 <= result["acc"] <= 1 and 0 <= result["acc_norm"] <= 1
    gpt = tiny_gpt(1)
    texts = [torch.tensor([encode(e["ctx"] + " " + e["endings"][e["label"]])]) for e in EXAMPLES]
    optimizer = torch.optim.AdamW(gpt.parameters(), lr=1e-2)
    for _ in range(60):
        for text in texts:
            _, loss = gpt(text[:, :-1], text[:, 1:])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert hellaswag.evaluate(gpt, EXAMPLES, encode) == {"n": 3, "acc": 1.0, "acc_norm": 1.0}
    assert not gpt.training
