"""The phase change as a measurement: dense evaluations over training, per head, across seeds.

Olsson et al. (2022), "In-context Learning and Induction Heads", tie the formation of induction
heads to a phase change seen in several measurements at once. `phase_run` trains one model with
induction.train and records at every evaluation (every `eval_every` steps):

  - the loss on the repeated half of the standard test (BOS + r + r, |r| = 20);
  - every head's previous-token and induction score, and each layer-1 head's attention to BOS
    from second-copy queries (the attention sink);
  - the loss at each position of held-out training-distribution sequences, and from it the
    in-context-learning score: mean loss over the last 8 positions minus mean loss over
    positions 1..8 (Olsson et al. use token 500 minus token 50 of 512-token contexts);

plus the training loss of every step, averaged over windows of `eval_every` steps (the bump).
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor

import torch
from attn_only import AttnOnlyConfig, AttnOnlyTransformer
from induction import (BOS, TrainConfig, phase_change_step, repeated_random_tokens, repeated_segment_batch,
                       train)
from scores import induction_score, per_token_loss, prev_token_score

GUESS = math.log(63)          # nats: uniform over the 63 word tokens
ICL_WINDOW = 8                # positions averaged at each end for the ICL score
PROBE_SEED, PROBE_BATCH = 4321, 256


def icl_score(loss_by_position, window=ICL_WINDOW):
    """Mean loss of the last `window` predictions minus that of predictions 1..window (position 0
    predicts the first word after BOS and is skipped). Negative: later tokens are predicted better."""
    late, early = loss_by_position[-window:], loss_by_position[1:1 + window]
    return sum(late) / window - sum(early) / window


def cliff(history):
    """Steps at which the loss first falls below 75%, 50% and 25% of guessing (ln 63): the cliff's
    start, middle and end. Thresholds are fixed (not the run's own start and end) so seeds compare."""
    return {name: phase_change_step(history, threshold=f * GUESS)
            for name, f in (("start", 0.75), ("mid", 0.5), ("end", 0.25))}


def probes(model_cfg: AttnOnlyConfig, half_len: int):
    """The fixed test batches: BOS + r + r for the head scores, training-like data for the ICL score."""
    repeat = repeated_random_tokens(PROBE_BATCH, half_len, model_cfg.d_vocab, torch.Generator().manual_seed(PROBE_SEED))
    natural = repeated_segment_batch(PROBE_BATCH, model_cfg.n_ctx, model_cfg.d_vocab,
                                     torch.Generator().manual_seed(PROBE_SEED))
    return repeat, natural


def head_measure(repeat, natural, half_len):
    """measure(model) for induction.train: per-head scores, BOS attention, loss by position."""
    def measure(model):
        model.eval()
        with torch.no_grad():
            _, cache = model.run_with_cache(repeat, names_filter=lambda n: n.endswith("hook_pattern"))
            by_pos = per_token_loss(model(natural), natural).mean(0).tolist()
        model.train()
        out = {"loss_by_position": by_pos, "icl_score": icl_score(by_pos)}
        for layer in range(model.cfg.n_layers):
            pattern = cache[f"blocks.{layer}.attn.hook_pattern"].mean(0)               # (nh, T, T)
            out[f"induction_heads_L{layer}"] = induction_score(pattern, half_len).tolist()
            out[f"prev_token_heads_L{layer}"] = prev_token_score(pattern).tolist()
            # attention to BOS from the second copy's queries (the ones induction should serve)
            out[f"bos_attention_L{layer}"] = pattern[:, half_len + 1:, BOS].mean(-1).tolist()
        return out
    return measure


def phase_run(n_layers: int, tcfg: TrainConfig, log=None):
    """Train one model (model seed = data seed = tcfg.seed) with dense measurements.

    Returns (model, record): record has the config, the history (one dict per evaluation), the
    training loss averaged over each window of tcfg.eval_every steps, and the cliff's steps.
    """
    model = AttnOnlyTransformer(AttnOnlyConfig(n_layers=n_layers, seed=tcfg.seed))
    repeat, natural = probes(model.cfg, tcfg.half_len)
    step_losses = []
    history = train(model, tcfg, log=log, measure=head_measure(repeat, natural, tcfg.half_len),
                    step_losses=step_losses)
    w = tcfg.eval_every
    windows = [sum(step_losses[i:i + w]) / len(step_losses[i:i + w]) for i in range(0, len(step_losses), w)]
    return model.eval(), {"n_layers": n_layers, "seed": tcfg.seed, "history": history,
                          "train_loss_windows": windows, "cliff": cliff(history)}


SERIES = ("repeated_loss", "icl_score", "induction_heads_L1", "prev_token_heads_L0", "bos_attention_L1")


def compact(record, keep_heatmap: bool) -> dict:
    """A run's record as lists per measurement (what the chapter plots), rounded by the caller."""
    h = record["history"]
    out = {"seed": record["seed"], "cliff": record["cliff"], "steps": [e["step"] for e in h],
           "train_loss_windows": record["train_loss_windows"]}
    last = f"induction_heads_L{record['n_layers'] - 1}"   # the 1-layer control's would-be induction heads
    out.update({key: [e[key] for e in h] for key in (*SERIES, last) if key in h[0]})
    if keep_heatmap:
        out["loss_by_position"] = [e["loss_by_position"] for e in h]
    return out


def _one_run(args):
    """One seed's compact record (a top-level function, so worker processes can run it)."""
    n_layers, tcfg, keep_heatmap = args
    torch.set_num_threads(1)
    _, record = phase_run(n_layers, tcfg)
    return compact(record, keep_heatmap)


def phase_study(tcfg: TrainConfig, seeds_2layer, seeds_1layer, workers=1, log=print) -> dict:
    """Every seed's dense record for 2-layer models and 1-layer controls, and a summary across seeds.

    Runs are independent and seeded, so `workers` processes give the same numbers as one.
    """
    jobs = [(n_layers, TrainConfig(**{**tcfg.__dict__, "seed": seed}), i == 0)
            for n_layers, seeds in ((2, seeds_2layer), (1, seeds_1layer)) for i, seed in enumerate(seeds)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            done = list(pool.map(_one_run, jobs))
    else:
        done = [_one_run(job) for job in jobs]
    runs = {2: done[:len(seeds_2layer)], 1: done[len(seeds_2layer):]}
    for n_layers in (2, 1):
        for r in runs[n_layers]:
            if log:
                log(f"{n_layers} layers, seed {r['seed']}: cliff {r['cliff']}, final loss {r['repeated_loss'][-1]:.3f}")
    mids = [r["cliff"]["mid"] for r in runs[2]]
    return {
        "train": tcfg.__dict__, "guess": GUESS, "icl_window": ICL_WINDOW,
        "probe": {"seed": PROBE_SEED, "batch": PROBE_BATCH},
        "runs_2layer": runs[2], "runs_1layer": runs[1],
        "cliff_mid_steps": mids, "cliff_mid_spread": max(mids) - min(mids) if None not in mids else None,
        "final_icl_2layer": [r["icl_score"][-1] for r in runs[2]],
        "final_icl_1layer": [r["icl_score"][-1] for r in runs[1]],
    }
