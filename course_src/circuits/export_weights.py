"""Train the circuits track's models and ship their weights and measurements with the site.

    .venv/bin/python course_src/circuits/export_weights.py                  # train + measure (minutes)
    .venv/bin/python course_src/circuits/export_weights.py --measure-only   # re-measure shipped weights

Writes, under docs/assets/data/circuits/:
  attn2.bin     the 2-layer attention-only model (the one that grows induction heads)
  attn1.bin     the 1-layer control, trained on the same data for as many steps
  results.json  every number the chapters quote: training curves, phase-change step, per-head
                scores, composition scores, copying scores, ablation losses
  SHA256SUMS    checksums of the files above (`sha256sum -c SHA256SUMS` in that folder)

Seeded (model seed 0, data seed 0, one CPU thread), so a rerun on the same torch version
reproduces the files. The weights format is read by `load_weights` in the chapters (pure Python):
  4 bytes  little-endian uint32 n, the length of the header
  n bytes  JSON header {"config": {...}, "tensors": [{"name", "shape", "offset"}]} (offset in floats)
  rest     all tensors as little-endian float32, row-major, in header order
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attn_only import AttnOnlyConfig, AttnOnlyTransformer  # noqa: E402
from induction import (TrainConfig, ablated_loss, ablation_losses, composition_score,  # noqa: E402
                       composition_scores, copying_score, full_ov_circuit, head_scores, heads_above,
                       phase_change_step, repeated_random_tokens, train)

OUT = Path(__file__).resolve().parents[2] / "docs" / "assets" / "data" / "circuits"
FULL = TrainConfig(steps=2000, lr=3e-3)
EVAL_SEED, EVAL_BATCH = 1234, 256


def weights_bytes(model) -> bytes:
    """The model in the format described in this file's docstring."""
    tensors, chunks, offset = [], [], 0
    for name, p in model.state_dict().items():
        flat = p.detach().float().contiguous().view(-1)
        tensors.append({"name": name, "shape": list(p.shape), "offset": offset})
        chunks.append(struct.pack(f"<{flat.numel()}f", *flat.tolist()))
        offset += flat.numel()
    header = json.dumps({"config": asdict(model.cfg), "tensors": tensors}, separators=(",", ":")).encode()
    return struct.pack("<I", len(header)) + header + b"".join(chunks)


def load_model(path: Path) -> AttnOnlyTransformer:
    """Read a weights file back into a torch model (tests use this against the pure-Python reader)."""
    blob = path.read_bytes()
    (n,) = struct.unpack("<I", blob[:4])
    header = json.loads(blob[4:4 + n])
    data = torch.frombuffer(bytearray(blob[4 + n:]), dtype=torch.float32)
    model = AttnOnlyTransformer(AttnOnlyConfig(**header["config"]))
    state = {t["name"]: data[t["offset"]:t["offset"] + torch.Size(t["shape"]).numel()].view(t["shape"])
             for t in header["tensors"]}
    model.load_state_dict(state)
    return model.eval()


def rounded(x, digits=4):
    """Round floats (also inside lists and dicts) so results.json stays small and diffable."""
    if isinstance(x, float):
        return round(x, digits)
    if isinstance(x, list):
        return [rounded(v, digits) for v in x]
    if isinstance(x, dict):
        return {k: rounded(v, digits) for k, v in x.items()}
    return x


def composition_baseline(cfg, pairs=200, seed=0) -> float:
    """Mean K-composition score of random heads of the same shapes: the score's chance level."""
    g = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=g)

    total = 0.0
    for _ in range(pairs):
        W_OV = rand(cfg.d_model, cfg.d_head) @ rand(cfg.d_head, cfg.d_model)
        W_QK = rand(cfg.d_model, cfg.d_head) @ rand(cfg.d_head, cfg.d_model)
        total += composition_score(W_OV, W_QK.T).item()
    return total / pairs


def measure(model2, model1, history2, history1, tcfg) -> dict:
    """Everything chapter 5 quotes, measured on a fixed batch of repeated random tokens."""
    tokens = repeated_random_tokens(EVAL_BATCH, tcfg.half_len, model2.cfg.d_vocab,
                                    torch.Generator().manual_seed(EVAL_SEED))
    induction, prev = head_scores(model2, tokens, tcfg.half_len)
    clean, zero = ablation_losses(model2, tokens, tcfg.half_len, "zero")
    _, mean = ablation_losses(model2, tokens, tcfg.half_len, "mean")
    ind_heads, prev_heads = heads_above(induction, 1), heads_above(prev, 0)

    def argmax(m):
        """(layer, head) of the largest entry of a per-layer, per-head table."""
        heads = ((layer, h) for layer in range(len(m)) for h in range(len(m[0])))
        return max(heads, key=lambda lh: m[lh[0]][lh[1]])

    return {
        "train": asdict(tcfg),
        "eval": {"batch": EVAL_BATCH, "seed": EVAL_SEED, "half_len": tcfg.half_len},
        "phase_change_step": phase_change_step(history2),
        "history_2layer": history2,
        "history_1layer": history1,
        "repeated_loss_2layer": history2[-1]["repeated_loss"],
        "repeated_loss_1layer": history1[-1]["repeated_loss"],
        "induction_scores": induction,
        "prev_token_scores": prev,
        "top_induction_head": list(argmax(induction)),
        "top_prev_token_head": list(argmax(prev)),
        "composition": {k: composition_scores(model2, k) for k in "QKV"},
        "composition_baseline": composition_baseline(model2.cfg),
        "copying_scores": [[copying_score(full_ov_circuit(model2, layer, h)) for h in range(model2.cfg.n_heads)]
                           for layer in range(model2.cfg.n_layers)],
        "copying_scores_1layer": [[copying_score(full_ov_circuit(model1, 0, h)) for h in range(model1.cfg.n_heads)]],
        "clean_loss": clean,
        "induction_heads": [list(h) for h in ind_heads],       # layer-1 heads scoring > 0.3
        "prev_token_heads": [list(h) for h in prev_heads],     # layer-0 heads scoring > 0.3
        "group_ablation": {group: {kind: ablated_loss(model2, tokens, tcfg.half_len, heads, kind)
                                   for kind in ("zero", "mean")}
                           for group, heads in (("induction_heads", ind_heads), ("prev_token_heads", prev_heads))},
        "zero_ablation": zero,
        "mean_ablation": mean,
    }


def main(tcfg: TrainConfig = FULL, out: Path = OUT, measure_only: bool = False):
    torch.set_num_threads(1)  # deterministic reductions, and the figure the bench reports
    out.mkdir(parents=True, exist_ok=True)
    if measure_only:  # re-measure the shipped weights (after changing `measure`), no retraining
        model2, model1 = load_model(out / "attn2.bin"), load_model(out / "attn1.bin")
        old = json.loads((out / "results.json").read_text())
        history2, history1 = old["history_2layer"], old["history_1layer"]
    else:
        model2 = AttnOnlyTransformer(AttnOnlyConfig(n_layers=2))
        history2 = train(model2, tcfg)
        model1 = AttnOnlyTransformer(AttnOnlyConfig(n_layers=1))
        history1 = train(model1, tcfg)
    model2.eval(), model1.eval()
    results = rounded(measure(model2, model1, history2, history1, tcfg))
    files = {"attn2.bin": weights_bytes(model2), "attn1.bin": weights_bytes(model1),
             "results.json": (json.dumps(results, indent=1) + "\n").encode()}
    for name, blob in files.items():
        (out / name).write_bytes(blob)
    sums = "".join(f"{hashlib.sha256(b).hexdigest()}  {n}\n" for n, b in files.items())
    (out / "SHA256SUMS").write_text(sums)
    print(sums, end="")
    print(f"phase change at step {results['phase_change_step']}; repeated-half loss "
          f"2-layer {results['repeated_loss_2layer']}, 1-layer {results['repeated_loss_1layer']}")


if __name__ == "__main__":
    main(measure_only="--measure-only" in sys.argv[1:])
