"""Train the circuits track's models and ship their weights and measurements with the site.

    .venv/bin/python course_src/circuits/export_weights.py                  # every part (see below)
    .venv/bin/python course_src/circuits/export_weights.py fixed phase      # only these parts
    .venv/bin/python course_src/circuits/export_weights.py --measure-only   # re-measure shipped weights

Writes, under docs/assets/data/circuits/, one part at a time:
  shipped  attn2.bin     the 2-layer attention-only model the chapters take apart
           attn1.bin     the 1-layer control, trained on the same data for as many steps
           results.json  every number chapter 5 quotes: training curves, phase-change step, per-head
                         scores, composition scores, copying scores, ablation losses
  fixed    attn2_fixed.bin     the same recipe on data whose repeats reach the end of the context
           fixed_results.json  both 2-layer models on shifted, late, short and long repeats
  text     text0.bin, text1.bin  zero- and one-layer models of a synthetic language (text_grammar.py)
           text_results.json     their bigram table, skip-trigrams and the skip-trigram "bug"
  phase    phase_change.json   the phase change measured: 5 seeds and 3 one-layer controls,
                               evaluated every 20 steps (train_phase.py); 4 worker processes
  SHA256SUMS  checksums of the files above (`sha256sum -c SHA256SUMS` in that folder)

Seeded (model seed, data seed, one CPU thread per run). A rerun on the same torch version and CPU
reproduces the files; on another CPU the weights agree to about 1e-5 but not bit for bit, so the
checksums differ. The weights format is read by `load_weights` in the chapters (pure Python):
  4 bytes  little-endian uint32 n, the length of the header
  n bytes  JSON header {"config": {...}, "tensors": [{"name", "shape", "offset"}]} (offset in floats)
  rest     all tensors as little-endian float32, row-major, in header order
"""

from __future__ import annotations

import hashlib
import json
import resource
import struct
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attn_only import AttnOnlyConfig, AttnOnlyTransformer  # noqa: E402
from induction import (TrainConfig, ablated_loss, ablation_losses, composition_score,  # noqa: E402
                       composition_scores, copying_score, full_ov_circuit, head_scores, heads_above,
                       phase_change_step, repeated_random_tokens, train)
from train_offdist import PLACEMENTS, placement_report  # noqa: E402
from text_models import measure as measure_text  # noqa: E402
from text_models import train_text_model  # noqa: E402
from train_phase import phase_study  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "docs" / "assets" / "data" / "circuits"
FULL = TrainConfig(steps=2000, lr=3e-3)
# The phase-change study: FULL's recipe, evaluated every 20 steps, for several seeds.
PHASE = TrainConfig(steps=2000, lr=3e-3, eval_every=20)
SEEDS_2LAYER, SEEDS_1LAYER = (0, 1, 2, 3, 4), (0, 1, 2)
WORKERS = 4  # processes for the phase study's independent runs (each one thread)
# The fixed model: the same recipe on data whose repeats reach the last position (induction.DATA).
FIXED = TrainConfig(steps=3000, lr=3e-3, data="segments+periodic")
SHIPPED = ["attn2.bin", "attn1.bin", "results.json", "attn2_fixed.bin", "fixed_results.json",
           "text0.bin", "text1.bin", "text_results.json", "phase_change.json"]
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


def write_sums(out: Path) -> str:
    """SHA256SUMS over every shipped file present in `out`, in SHIPPED order."""
    sums = "".join(f"{hashlib.sha256((out / n).read_bytes()).hexdigest()}  {n}\n"
                   for n in SHIPPED if (out / n).exists())
    (out / "SHA256SUMS").write_text(sums)
    return sums


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(rounded(data), indent=1) + "\n")


def export_shipped(out: Path, measure_only: bool = False, tcfg: TrainConfig = FULL):
    """attn2.bin, attn1.bin and results.json: the models the chapters take apart."""
    if measure_only:  # re-measure the shipped weights (after changing `measure`), no retraining
        model2, model1 = load_model(out / "attn2.bin"), load_model(out / "attn1.bin")
        old = json.loads((out / "results.json").read_text())
        history2, history1 = old["history_2layer"], old["history_1layer"]
    else:
        model2 = AttnOnlyTransformer(AttnOnlyConfig(n_layers=2))
        history2 = train(model2, tcfg)
        model1 = AttnOnlyTransformer(AttnOnlyConfig(n_layers=1))
        history1 = train(model1, tcfg)
        (out / "attn2.bin").write_bytes(weights_bytes(model2))
        (out / "attn1.bin").write_bytes(weights_bytes(model1))
    model2.eval(), model1.eval()
    results = rounded(measure(model2, model1, history2, history1, tcfg))
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"phase change at step {results['phase_change_step']}; repeated-half loss "
          f"2-layer {results['repeated_loss_2layer']}, 1-layer {results['repeated_loss_1layer']}")


def export_phase(out: Path, tcfg: TrainConfig = PHASE, seeds_2layer=SEEDS_2LAYER, seeds_1layer=SEEDS_1LAYER):
    """phase_change.json: the shipped recipe retrained per seed, measured every tcfg.eval_every steps."""
    write_json(out / "phase_change.json", phase_study(tcfg, seeds_2layer, seeds_1layer, workers=WORKERS))


def export_fixed(out: Path, measure_only: bool = False, tcfg: TrainConfig = FIXED):
    """attn2_fixed.bin and fixed_results.json: the shipped recipe on data with repeats up to the last
    position, and both models measured with shifted, late, short and long repeats."""
    if measure_only:
        fixed = load_model(out / "attn2_fixed.bin")
        history = json.loads((out / "fixed_results.json").read_text())["history"]
    else:
        fixed = AttnOnlyTransformer(AttnOnlyConfig(n_layers=2, seed=tcfg.seed))
        history = train(fixed, tcfg)
        (out / "attn2_fixed.bin").write_bytes(weights_bytes(fixed))
    shipped = load_model(out / "attn2.bin")
    write_json(out / "fixed_results.json", {
        "train": asdict(tcfg), "history": history,
        "placements": [list(p) for p in PLACEMENTS],
        "shipped": placement_report(shipped), "fixed": placement_report(fixed.eval())})


def export_text(out: Path, measure_only: bool = False):
    """text0.bin, text1.bin and text_results.json: zero- and one-layer models of text_grammar.py."""
    if measure_only:
        model0, model1 = load_model(out / "text0.bin"), load_model(out / "text1.bin")
        curves = json.loads((out / "text_results.json").read_text())["training_loss"]
    else:
        (model0, curve0), (model1, curve1) = (train_text_model(n) for n in (0, 1))
        curves = {"0": curve0, "1": curve1}
        (out / "text0.bin").write_bytes(weights_bytes(model0))
        (out / "text1.bin").write_bytes(weights_bytes(model1))
    write_json(out / "text_results.json", {"training_loss": curves, **measure_text(model0, model1)})


def cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes (the phase study's pool)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


PARTS = {"shipped": export_shipped, "fixed": export_fixed, "text": export_text, "phase": export_phase}


def main(parts=tuple(PARTS), out: Path = OUT, measure_only: bool = False):
    torch.set_num_threads(1)  # deterministic reductions, and the figure the bench reports
    out.mkdir(parents=True, exist_ok=True)
    for part in parts:
        wall, cpu = time.perf_counter(), cpu_seconds()
        if part == "phase":
            export_phase(out)
        else:
            PARTS[part](out, measure_only=measure_only)
        print(f"{part}: {time.perf_counter() - wall:.0f} s wall, {cpu_seconds() - cpu:.0f} s CPU")
    print(write_sums(out), end="")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(parts=[a for a in args if not a.startswith("--")] or tuple(PARTS), measure_only="--measure-only" in args)
