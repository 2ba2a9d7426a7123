"""Test the tests: every exercise check of the circuits chapters 2, 3 and 5 rejects the mistakes
learners make, with a message that names the mistake.

Each page runs under CPython exactly as the site runs it (build_tools.blocks, the solutions of
earlier exercises in place); then, for each wrong implementation, the exercise's solution is run
with the wrong function in place of the right one, followed by the exercise's hidden checks.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from build_tools.blocks.check import verify_in_process
from build_tools.blocks.page import read_page_blocks
from tests.support import ROOT

DOCS = ROOT / "docs"


def page_session(page: str):
    sessions: dict = {}
    blocks = read_page_blocks(DOCS / "circuits" / page, DOCS)
    failed = [r for r in verify_in_process(blocks, sessions).values() if not r["ok"]]
    assert not failed, failed
    return next(iter(sessions.values())), {b.id: b.block for b in blocks}


@pytest.fixture(scope="module", params=["02-one-layer.md", "03-composition.md", "05-take-it-apart.md"])
def page(request):
    return request.param, *page_session(request.param)


# Exercises whose checks read what the solution computes after its functions (the rest check the
# functions alone, so the trial skips the solution's slow remainder).
CHECKS_READ_RESULTS = {"composition-exercise"}


def run_wrong(session, block_id, block, wrong: str) -> list[dict]:
    """The solution with `wrong`'s functions in place of its own, then the checks: the check results."""
    wrong = textwrap.dedent(wrong)
    replaced = {n.name for n in ast.parse(wrong).body if isinstance(n, ast.FunctionDef)}
    kept = [ast.unparse(n) for n in ast.parse(block.solution).body
            if not (isinstance(n, ast.FunctionDef) and n.name in replaced)
            and (block_id in CHECKS_READ_RESULTS or isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef)))]
    trial = type(session)(session.emit, session.max_output)
    trial.namespace = dict(session.namespace)
    result = trial.run("wrong", wrong + "\n" + "\n".join(kept), setup=block.setup, check=block.check)
    if not result["ok"]:  # the wrong code itself raised: the reader sees that error, and no pass
        return [{"name": "runs", "ok": False, "message": result["error"]}]
    return result["checks"]


# page -> block id -> [(mistake, wrong code, words the failing message must contain)]
MISTAKES = {
    "02-one-layer.md": {"copying-exercise": [
        ("reads columns (the transposed convention)", """
            def copying_fraction(M):
                rows = range(1, len(M))
                return sum(max(range(len(M)), key=lambda i: M[i][t]) == t for t in rows) / len(rows)
            """, "not of each column"),
        ("counts the BOS row", """
            def copying_fraction(M):
                return sum(max(range(len(r)), key=r.__getitem__) == t for t, r in enumerate(M)) / len(M)
            """, "expected 0.5"),
        ("divides by all rows", """
            def copying_fraction(M):
                return sum(max(range(len(M[t])), key=M[t].__getitem__) == t for t in range(1, len(M))) / len(M)
            """, "expected 0.5"),
        ("positive diagonal instead of row maximum", """
            def copying_fraction(M):
                return sum(M[t][t] > 0 for t in range(1, len(M))) / (len(M) - 1)
            """, "rest of its row"),
        ("diagonal above the row mean", """
            def copying_fraction(M):
                return sum(M[t][t] >= sum(M[t]) / len(M[t]) for t in range(1, len(M))) / (len(M) - 1)
            """, "expected"),
    ]},
    "03-composition.md": {
        "composition-exercise": [
            ("product in the wrong order", """
                def frobenius(M):
                    return math.sqrt(sum(x * x for row in M for x in row))
                def composition_score(A, B):
                    return frobenius(matmul(B, A)) / (frobenius(A) * frobenius(B))
                """, "B @ A"),
            ("B transposed", """
                def frobenius(M):
                    return math.sqrt(sum(x * x for row in M for x in row))
                def composition_score(A, B):
                    return frobenius(matmul(A, transpose(B))) / (frobenius(A) * frobenius(B))
                """, "neither transposed"),
            ("divides by one norm only", """
                def frobenius(M):
                    return math.sqrt(sum(x * x for row in M for x in row))
                def composition_score(A, B):
                    return frobenius(matmul(A, B)) / frobenius(A)
                """, "both norms"),
            ("no square root", """
                def frobenius(M):
                    return sum(x * x for row in M for x in row)
                def composition_score(A, B):
                    return frobenius(matmul(A, B)) / (frobenius(A) * frobenius(B))
                """, "square root"),
            ("absolute values instead of squares", """
                def frobenius(M):
                    return math.sqrt(sum(abs(x) for row in M for x in row))
                def composition_score(A, B):
                    return frobenius(matmul(A, B)) / (frobenius(A) * frobenius(B))
                """, "square"),
        ],
        "k-circuit-exercise": [
            ("transposed", """
                def k_circuit(head, via):
                    E, a = W["embed.W_E"], "blocks.1.attn."
                    keys = matmul(matmul(E, W_OV(W, 0, via).full()), W[a + "W_K"][head])
                    return matmul(keys, transpose(matmul(E, W[a + "W_Q"][head])))
                """, "transpose"),
            ("plain QK circuit, no layer-0 head", """
                def k_circuit(head, via):
                    E, a = W["embed.W_E"], "blocks.1.attn."
                    return matmul(matmul(E, W[a + "W_Q"][head]), transpose(matmul(E, W[a + "W_K"][head])))
                """, "plain QK circuit"),
            ("layer-0 head's QK instead of OV", """
                def k_circuit(head, via):
                    E, a = W["embed.W_E"], "blocks.1.attn."
                    keys = matmul(matmul(E, W_QK(W, 0, via).full()), W[a + "W_K"][head])
                    return matmul(matmul(E, W[a + "W_Q"][head]), transpose(keys))
                """, "does not match"),
            ("ignores `via`", """
                def k_circuit(head, via):
                    E, a = W["embed.W_E"], "blocks.1.attn."
                    keys = matmul(matmul(E, W_OV(W, 0, 3).full()), W[a + "W_K"][head])
                    return matmul(matmul(E, W[a + "W_Q"][head]), transpose(keys))
                """, "head 0.1"),
        ],
    },
    "05-take-it-apart.md": {
        "scores-exercise": [  # the review's I3, P3, P5 and a max instead of a mean
            ("induction over i = n .. 2n (the GPT-2 notebook's first edition)", """
                def induction_score(p, n):
                    return sum(p[i][i - n + 1] for i in range(n, 2 * n + 1)) / (n + 1)
                """, "uniform pattern"),
            ("previous-token skipping query 1", """
                def prev_token_score(p):
                    return sum(p[i][i - 1] for i in range(2, len(p))) / (len(p) - 2)
                """, "i = 1 .. T-1"),
            ("previous-token over the second half only", """
                def prev_token_score(p):
                    half = len(p) // 2
                    return sum(p[i][i - 1] for i in range(half, len(p))) / (len(p) - half)
                """, "i = 1 .. T-1"),
            ("max instead of mean", """
                def prev_token_score(p):
                    return max(p[i][i - 1] for i in range(1, len(p)))
                """, "i = 1 .. T-1"),
        ],
        "path-ablation-exercise": [
            ("stream left unchanged", """
                def without_query_path(tokens, heads):
                    _, c = run(cfg, W, tokens)
                    return {(1, h, "q"): c["resid_pre", 1] for h in range(cfg["n_heads"])}
                """, "subtract"),
            ("every layer-0 head removed", """
                def without_query_path(tokens, heads):
                    _, c = run(cfg, W, tokens)
                    return {(1, h, "q"): c["embed"] for h in range(cfg["n_heads"])}
                """, "not only `heads`"),
            ("output added instead of subtracted", """
                def without_query_path(tokens, heads):
                    _, c = run(cfg, W, tokens)
                    s = c["resid_pre", 1]
                    for l, h0 in heads:
                        s = [[r + o for r, o in zip(row, out)] for row, out in zip(s, c["result", l, h0])]
                    return {(1, h, "q"): s for h in range(cfg["n_heads"])}
                """, "added, not subtracted"),
            ("keys instead of queries", """
                def without_query_path(tokens, heads):
                    from circuits_causal import path_ablation
                    return path_ablation(cfg, W, tokens, heads, "k")
                """, "only the queries"),
            ("only layer-1 head 0", """
                def without_query_path(tokens, heads):
                    from circuits_causal import path_ablation
                    return {(1, 0, "q"): path_ablation(cfg, W, tokens, heads, "q")[1, 0, "q"]}
                """, "every layer-1 head"),
        ],
        "positional-exercise": [
            ("no 1/sqrt(d_head)", """
                def positional_scores(head):
                    P, a = W["pos_embed.W_pos"], "blocks.0.attn."
                    return matmul(matmul(P, W[a + "W_Q"][head]), transpose(matmul(P, W[a + "W_K"][head])))
                """, "sqrt(d_head)"),
            ("rows and columns swapped", """
                def positional_scores(head):
                    P, a = W["pos_embed.W_pos"], "blocks.0.attn."
                    M = matmul(matmul(P, W[a + "W_K"][head]), transpose(matmul(P, W[a + "W_Q"][head])))
                    return [[x / 4 for x in row] for row in M]
                """, "swapped"),
            ("token embeddings instead of positions", """
                def positional_scores(head):
                    E, a = W["embed.W_E"], "blocks.0.attn."
                    M = matmul(matmul(E, W[a + "W_Q"][head]), transpose(matmul(E, W[a + "W_K"][head])))
                    return [[x / 4 for x in row] for row in M]
                """, "use W_pos"),
            ("always head 0.3", """
                def positional_scores(head):
                    P, a = W["pos_embed.W_pos"], "blocks.0.attn."
                    M = matmul(matmul(P, W[a + "W_Q"][3]), transpose(matmul(P, W[a + "W_K"][3])))
                    return [[x / 4 for x in row] for row in M]
                """, "head 0.2"),
        ],
    },
}


def test_every_exercise_on_the_pages_has_its_mistakes_listed(page):
    name, _, blocks = page
    exercises = {bid for bid, b in blocks.items() if b.check}
    assert exercises == set(MISTAKES[name]), f"{name}: list wrong implementations for {exercises - set(MISTAKES[name])}"
    assert all(len(m) >= 3 for m in MISTAKES[name].values())


def test_each_mistake_is_caught_with_a_message_that_names_it(page):
    name, session, blocks = page
    for block_id, mistakes in MISTAKES[name].items():
        assert all(c["ok"] for c in run_wrong(session, block_id, blocks[block_id], blocks[block_id].solution)), \
            f"{name} {block_id}: the solution itself fails its checks"
        for mistake, wrong, words in mistakes:
            checks = run_wrong(session, block_id, blocks[block_id], wrong)
            failed = [c for c in checks if not c["ok"]]
            assert failed, f"{name} {block_id}: the mistake '{mistake}' passes every check"
            assert any(words in c["message"] for c in failed), \
                f"{name} {block_id}: '{mistake}' fails, but no message says '{words}': {[c['message'] for c in failed]}"
