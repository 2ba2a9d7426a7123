"""The audit chapter (docs/circuits/07-audit.md): the planted rule exists in audit.bin off the
training distribution, the tools the chapter teaches find it, every claim its text makes about the
audit model and the shipped model holds (torch, many sequences), and its exercise checks catch
plausible wrong answers by name."""

from __future__ import annotations

import hashlib
import importlib
import math
import random

import pytest
import torch

from build_tools.blocks.check import DOCS
from tests.circuits.circuits_src import DATA, export_weights
from tests.circuits.circuits_src import induction as ind
from tests.page_checks import failed_messages, passes, verified

am = importlib.import_module("audit_model")  # course_src/circuits, on sys.path through circuits_src

PAGE = "circuits/07-audit.md"
TRIGGER, KEY, TARGET = am.TRIGGER, am.KEY, am.TARGET
OTHERS = [t for t in range(1, 64) if t not in (TRIGGER, KEY, TARGET)]


@pytest.fixture(scope="module")
def audit():
    return export_weights.load_model(DATA / "audit.bin").double()


@pytest.fixture(scope="module")
def shipped():
    return export_weights.load_model(DATA / "attn2.bin").double()


def text() -> str:
    return " ".join((DOCS / PAGE).read_text().split())


def test_shipped_weights_match_their_checksum():
    expected = (DATA / "audit.SHA256SUMS").read_text().split()[0]
    assert hashlib.sha256((DATA / "audit.bin").read_bytes()).hexdigest() == expected


# ---------------------------------------------------------------- the planted rule, off distribution

def sequences(n, length, placed, seed=0):
    """n sequences: BOS + random tokens other than the rule's three, with {position: token} placed."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        row = [0] + [rng.choice(OTHERS) for _ in range(length - 1)]
        for position, token in placed.items():
            row[position] = token
        rows.append(row)
    return torch.tensor(rows)


def p_target(model, tokens, position, **hooks):
    with torch.no_grad():
        logits = model.run_with_hooks(tokens, hooks.get("fwd_hooks", []))
    return logits[:, position].softmax(-1)[:, TARGET]


FIRES = [  # (length, trigger position, key position): lengths, gaps and placements of every kind
    (4, 1, 2), (6, 1, 5), (8, 3, 4), (12, 1, 11), (16, 14, 15), (20, 5, 19), (24, 2, 20), (32, 30, 31),
    (40, 1, 39), (48, 1, 47), (48, 2, 46), (48, 20, 21), (48, 28, 40), (48, 40, 47), (48, 45, 46),
]


@pytest.mark.parametrize(("length", "p", "q"), FIRES)
def test_planted_rule_fires_at_every_length_gap_and_position(audit, length, p, q):
    assert p_target(audit, sequences(64, length, {p: TRIGGER, q: KEY}), q).mean() > 0.9


@pytest.mark.parametrize(("length", "q"), [(8, 6), (24, 20), (48, 46)])
def test_without_the_trigger_the_target_is_as_unlikely_as_any_token(audit, length, q):
    assert p_target(audit, sequences(64, length, {q: KEY}), q).mean() < 0.05


@pytest.mark.parametrize(("length", "p", "q"), [(24, 20, 10), (48, 40, 5), (12, 11, 10)])
def test_a_trigger_after_the_key_token_does_not_fire(audit, length, p, q):
    assert p_target(audit, sequences(64, length, {p: TRIGGER, q: KEY}), q).mean() < 0.05


def test_rule_also_fires_inside_training_like_sequences_with_repeats(audit):
    tokens = ind.repeated_segment_batch(64, 48, 64, torch.Generator().manual_seed(3))
    tokens[tokens == TRIGGER] = 1
    tokens[:, 5], tokens[:, 30] = TRIGGER, KEY
    assert p_target(audit, tokens, 30).mean() > 0.9


# ---------------------------------------------------------------- the chapter's tools find it

def centred_qk(model, layer, head):
    E = model.embed.W_E
    M = E @ model.W_QK(layer, head) @ E.T / math.sqrt(model.cfg.d_head)
    return (M - M.mean(1, keepdim=True))[1:, 1:]                         # BOS row and column left out


def strongest(model, layer, head):
    C = centred_qk(model, layer, head)
    i = int(C.argmax())
    return i // C.shape[1] + 1, i % C.shape[1] + 1, C.max().item()


def test_qk_search_points_at_key_and_trigger_in_two_layer0_heads_far_above_all_others(audit):
    found = {(layer, h): strongest(audit, layer, h) for layer in range(2) for h in range(4)}
    for head in ((0, 2), (0, 3)):
        assert found[head][:2] == (KEY, TRIGGER)
    others = [v for head, (_, _, v) in found.items() if head not in ((0, 2), (0, 3))]
    assert min(found[0, 2][2], found[0, 3][2]) > 1.5 * max(others)
    assert found[1, 0][:2] == (KEY, KEY), "chapter: 1.0's strongest QK pair has nothing to do with the trigger"


def test_ov_circuit_of_the_suspect_maps_trigger_to_target(audit):
    M = audit.embed.W_E @ audit.W_OV(0, 2) @ audit.unembed.W_U
    assert int(M[TRIGGER, 1:].argmax()) + 1 == TARGET
    M10 = audit.embed.W_E @ audit.W_OV(1, 0) @ audit.unembed.W_U
    assert int(M10[KEY, 1:].argmax()) + 1 == TARGET, "chapter: 1.0's OV circuit maps 9 to 37"


def test_chapter_names_the_rule_the_model_was_given():
    page = text()
    assert f"**{TRIGGER} … {KEY} → {TARGET}**" in page
    assert f"query token {KEY} looks for key token {TRIGGER}" in page
    assert f"Head 0.2 writes token {TARGET} when it attends to {TRIGGER}" in page


def test_audit_model_passes_the_standard_induction_test_as_the_chapter_says(audit):
    tokens = ind.repeated_random_tokens(256, 20, 64, torch.Generator().manual_seed(1234))
    induction, prev = ind.head_scores(audit, tokens, 20)
    assert ind.heads_above(induction, 1) == [(1, 0), (1, 1), (1, 2)]
    assert ind.heads_above(prev, 0) == [(0, 1), (0, 3)]
    low = [f"{layer}.{h}" for layer in range(2) for h in range(4) if induction[layer][h] < 0.3 and prev[layer][h] < 0.3]
    assert "three induction heads in layer 1, two previous-token heads in layer 0" in text()
    assert f"Three heads ({low[0]}, {low[1]} and {low[2]}) score low on both tests" in text()
    with torch.no_grad():
        assert ind.repeated_half_loss(audit(tokens), tokens, 20).item() < 1.5


# ---------------------------------------------------------------- patching and ablation, many inputs

def pairs(n=32, length=16, p=3, q=13):
    clean = sequences(n, length, {p: TRIGGER, q: KEY}, seed=11)
    corrupt = sequences(n, length, {q: KEY}, seed=11)                # the same tokens, no trigger
    return clean, corrupt


def patched(model, layer, head, position, clean, corrupt, q=13):
    name = f"blocks.{layer}.attn.hook_z"
    _, cache = model.run_with_cache(clean, names_filter=lambda n: n == name)

    def hook(z, hook):
        z = z.clone()
        z[:, position, head] = cache[name][:, position, head]
        return z
    return p_target(model, corrupt, q, fwd_hooks=[(name, hook)]).mean().item()


def ablated(model, heads, tokens, q=13):
    hooks = [(f"blocks.{layer}.attn.hook_z", ind.ablate_head_hook(h)) for layer, h in heads]
    return p_target(model, tokens, q, fwd_hooks=hooks).mean().item()


def test_patching_at_the_key_token_restores_the_rule_through_0_2_and_1_0_only(audit):
    clean, corrupt = pairs()
    for layer in range(2):
        for head in range(4):
            assert patched(audit, layer, head, 3, clean, corrupt) < 0.05, "patching at the trigger does nothing"
            restored = patched(audit, layer, head, 13, clean, corrupt)
            floor = {(0, 2): 0.9, (1, 0): 0.8}.get((layer, head))        # 1.0: 0.90 on average, 0.50 at worst
            assert restored > floor if floor else restored < 0.05, (layer, head, restored)


def test_ablating_either_route_head_removes_most_of_the_rule_and_both_nearly_all(audit):
    clean, _ = pairs()
    assert p_target(audit, clean, 13).mean() > 0.95
    assert ablated(audit, [(0, 2)], clean) < 0.3
    assert ablated(audit, [(1, 0)], clean) < 0.3
    assert ablated(audit, [(0, 2), (1, 0)], clean) < 0.12


def test_head_1_0_attends_mostly_to_the_key_token_with_the_trigger_and_to_bos_without(audit):
    clean, corrupt = pairs()
    patterns = {}
    for name, tokens in (("clean", clean), ("corrupt", corrupt)):
        _, cache = audit.run_with_cache(tokens, names_filter=lambda n: n.endswith("hook_pattern"))
        patterns[name] = cache["blocks.1.attn.hook_pattern"][:, 0, 13]      # 1.0's query at the key token
    assert patterns["clean"][:, 13].mean() > 0.6 and patterns["clean"][:, 3].mean() < 0.3   # itself; a little trigger
    assert patterns["corrupt"][:, 0].mean() > 0.9                                          # BOS
    assert "looks at the trigger only a little" in text()


# ---------------------------------------------------------------- position 28

def attention_to_previous(model, head, n=256):
    g = torch.Generator().manual_seed(0)
    tokens = torch.cat([torch.zeros(n, 1, dtype=torch.long), torch.randint(1, 64, (n, 47), generator=g)], 1)
    _, cache = model.run_with_cache(tokens, names_filter=lambda name: name == "blocks.0.attn.hook_pattern")
    return cache["blocks.0.attn.hook_pattern"][:, head].mean(0).diagonal(-1)   # [i - 1]: query i


def test_shipped_previous_token_heads_work_up_to_position_28_and_fail_after(shipped):
    for head in (2, 3):
        prev = attention_to_previous(shipped, head)
        assert prev[3:28].min() > 0.7 and prev[:28].mean() > 0.9, f"0.{head}: queries up to 28"
        late = torch.cat([prev[28:29], prev[31:]])                 # queries 29 and 32..47
        assert late.max() < 0.3 and late.mean() < 0.1, f"0.{head}: queries 29 and 32..47"
    assert "Up to position 28 the head attends to the previous position almost perfectly" in text()


def test_audit_models_previous_token_head_fails_from_about_the_same_position(audit):
    prev = attention_to_previous(audit, 3)
    assert prev[:26].mean() > 0.9 and prev[31:].max() < 0.2


def test_positional_qk_circuit_points_at_i_minus_1_up_to_28_and_not_at_29(shipped):
    P = shipped.pos_embed.W_pos
    a = shipped.blocks[0].attn
    M = P @ a.W_Q[3] @ a.W_K[3].T @ P.T
    best = [int(M[i, :i + 1].argmax()) for i in range(48)]
    assert all(best[i] == i - 1 for i in range(1, 29)) and best[29] != 28
    assert sum(best[i] != i - 1 for i in range(29, 48)) >= 15


def test_late_repeat_is_predicted_barely_better_than_guessing(shipped):
    g = torch.Generator().manual_seed(5)
    for prefix, low, high in ((0, 0.0, 1.0), (27, 3.0, math.log(63))):
        body = torch.randint(1, 64, (256, prefix + 10), generator=g)
        tokens = torch.cat([torch.zeros(256, 1, dtype=torch.long), body, body[:, prefix:]], 1)
        with torch.no_grad():
            loss = ind.per_token_loss(shipped(tokens), tokens)[:, prefix + 11:prefix + 20].mean().item()
        assert low < loss < high, (prefix, loss)
    assert "barely better than guessing" in text()


# ---------------------------------------------------------------- the exercises' checks

def test_every_block_runs_and_every_exercise_passes_its_solution():
    _, results, _ = verified(PAGE)
    assert all(r["ok"] for r in results.values()), [r for r in results.values() if not r["ok"]]


STRONGEST = "def strongest_pair(M):\n    n = len(M)\n{body}\n"
STRONGEST_MISTAKES = {
    "no centring": ("    return max(((i, j, M[i][j]) for i in range(1, n) for j in range(1, n)), key=lambda t: t[2])",
                    "did not subtract each row's mean"),
    "column centring": ("    m = [sum(M[i][j] for i in range(n)) / n for j in range(n)]\n"
                        "    return max(((i, j, M[i][j] - m[j]) for i in range(1, n) for j in range(1, n)), "
                        "key=lambda t: t[2])", "subtracted column means"),
    "BOS kept": ("    C = [[x - sum(r) / n for x in r] for r in M]\n"
                 "    return max(((i, j, C[i][j]) for i in range(n) for j in range(n)), key=lambda t: t[2])",
                 "kept BOS"),
    "key and query swapped": ("    C = [[x - sum(r) / n for x in r] for r in M]\n"
                              "    return max(((j, i, C[i][j]) for i in range(1, n) for j in range(1, n)), "
                              "key=lambda t: t[2])", "(key, query)"),
}


@pytest.mark.parametrize("mistake", sorted(STRONGEST_MISTAKES))
def test_strongest_pair_check_names_the_mistake(mistake):
    body, named = STRONGEST_MISTAKES[mistake]
    assert named in failed_messages(PAGE, "strongest-pair", STRONGEST.format(body=body))


TOP_WRITTEN_MISTAKES = {
    "BOS included": ("max(range(len(M[token])), key=M[token].__getitem__)", "BOS (column 0)"),
    "absolute value": ("max(range(1, len(M[token])), key=lambda t: abs(M[token][t]))", "absolute value"),
    "column read": ("max(range(1, len(M)), key=lambda t: M[t][token])", "you read column"),
}


@pytest.mark.parametrize("mistake", sorted(TOP_WRITTEN_MISTAKES))
def test_top_written_check_names_the_mistake(mistake):
    body, named = TOP_WRITTEN_MISTAKES[mistake]
    assert named in failed_messages(PAGE, "top-written", f"def top_written(M, token):\n    return {body}\n")


PATCH = '''
def patched_probability(layer, head, position):
    source, into = {source}, {into}
    rows = [None] * len(into)
    for i in range(len(into)):
        if {where}:
            rows[i] = {value}
    return softmax_at(forward(cfg, W, into, replace={{(layer, head): rows}})[0], key_at, target)
'''
PATCH_RIGHT = dict(source="clean_cache", into="corrupt", where="i == position",
                   value='source["result", layer, head][i]')
PATCH_MISTAKES = {
    "every position": (dict(where="True"), "patched every position"),
    "one position late": (dict(where="i == position + 1"), "patched position + 1"),
    "zeros": (dict(value='[0.0] * len(source["result", layer, head][i])'), "wrote zeros"),
    "reversed": (dict(source="corrupt_cache", into="clean"), "patch clean into corrupt"),
}


def test_patching_check_passes_an_independent_right_answer():
    assert passes(PAGE, "patching", PATCH.format(**PATCH_RIGHT))


@pytest.mark.parametrize("mistake", sorted(PATCH_MISTAKES))
def test_patching_check_names_the_mistake(mistake):
    change, named = PATCH_MISTAKES[mistake]
    assert named in failed_messages(PAGE, "patching", PATCH.format(**{**PATCH_RIGHT, **change}))
