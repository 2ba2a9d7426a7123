"""The model (model.py), then the checks for the training notebook's exercises.

Each check runs your function on a small case whose right answer it knows from first principles
(a full-batch gradient, a model without dropout, a table of schedule values, the module types of
GPT-2), and when the answer is wrong it looks for the usual mistake and names it.
"""

import copy
import os
import types

import numpy as np
import torch

from model import *  # course: inline


class CheckFailed(AssertionError):
    pass


def _fail(message):
    raise CheckFailed(message)


def _passed(message):
    if os.environ.get("RANK", "0") == "0":  # under torchrun, one line rather than one per process
        print(message)


def _close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(b))


# ----------------------------------------------------------------------------------------------
# Exercise 1: batches


def check_get_batch(get_batch):
    offset, B, T, position = 40000, 3, 5, 10  # ids above 32,767 catch a cast to int16
    tokens = np.arange(offset, offset + 200, dtype=np.uint16)
    out = get_batch(tokens, position, B, T)
    if not (isinstance(out, tuple) and len(out) == 2):
        _fail("return a pair (x, y)")
    x, y = out
    if not (torch.is_tensor(x) and torch.is_tensor(y)):
        _fail("return torch tensors (torch.from_numpy(...) turns a numpy array into one)")
    if x.dtype != torch.int64 or y.dtype != torch.int64:
        _fail(f"x and y should be int64 (embedding lookups and cross_entropy need it); got {x.dtype}, {y.dtype}")
    if tuple(x.shape) != (B, T) or tuple(y.shape) != (B, T):
        _fail(f"x and y should have shape (B, T) = {(B, T)}; got {tuple(x.shape)} and {tuple(y.shape)}")
    i, j = x - offset, y - offset  # positions in the stream
    if (i < 0).any() or (j < 0).any():
        _fail("ids came out negative: convert uint16 to int64 (.astype(np.int64)), not to a signed 16-bit type")
    want = position + torch.arange(B * T).view(B, T)
    if torch.equal(i, want.t().reshape(B, T)) or torch.equal(i.t(), (position + torch.arange(B * T)).view(T, B)):
        _fail("row b of x should be the T consecutive tokens starting at position + b*T: "
              "view the chunk as (B, T), not (T, B)")
    if torch.equal(j, want) and torch.equal(i, want + 1):
        _fail("x and y are swapped, so the targets are shifted the wrong way: y should hold the token *after* "
              "each token of x, not before")
    if torch.equal(i, want - position):
        _fail("x starts at token 0: start reading at `position`")
    if not torch.equal(i, want):
        _fail(f"x should hold the tokens from position {position} on, T = {T} per row; got positions {i.tolist()}")
    if torch.equal(j, i):
        _fail("y equals x: the target at each place is the *next* token (shift by one)")
    if torch.equal(j, i - 1):
        _fail("y is shifted the wrong way: y should hold the token *after* each token of x, not before")
    if torch.equal(j[:, :-1], i[:, 1:]) and not torch.equal(j[:, -1], i[:, -1] + 1):
        _fail("inside each row y is right, but the last target of each row should be the token after the row "
              "(the first token of the next row, or the extra token after the batch): read B*T + 1 tokens "
              "and shift the whole chunk")
    if not torch.equal(j, i + 1):
        _fail(f"y should be x shifted by one token; got positions {j.tolist()} for x at {i.tolist()}")
    end = len(tokens) - B * T - 1  # the last position that still has a target for every input
    x, y = get_batch(tokens, end, B, T)
    if not torch.equal(y[-1, -1], torch.tensor(int(tokens[-1]))):
        _fail("at the last possible position the final target should be the last token of the stream")
    _passed("PASS get_batch: (B, T) inputs and targets shifted by one, read from `position`")


# ----------------------------------------------------------------------------------------------
# Exercise 2: learning-rate schedule

# A warmup of 10 steps to 1.0, then a cosine to 0.1 at step 110: values at a few steps (computed
# once and written down here, so this cell does not give the formula away).
_LR_CFG = types.SimpleNamespace(warmup_steps=10, max_steps=110, max_lr=1.0, min_lr=0.1)
_LR_TABLE = {0: 0.1, 4: 0.5, 9: 1.0, 10: 1.0, 20: 0.97798, 35: 0.86820, 60: 0.55, 85: 0.23180, 100: 0.12202,
             109: 0.10022, 110: 0.1, 150: 0.1}


def check_get_lr(get_lr):
    cfg = _LR_CFG
    lr = [float(get_lr(step, cfg)) for step in range(160)]
    if lr[0] == 0:
        _fail("the first step has lr 0 and does nothing: warm up as max_lr * (step + 1) / warmup_steps")
    if not (_close(lr[9], 1.0, 1e-6) and _close(lr[4], 0.5, 1e-6)):
        if _close(lr[10], 1.0, 1e-6) and _close(lr[5], 0.5, 1e-6) or _close(lr[8], 1.0, 1e-6):
            _fail("warmup is off by one: it should reach max_lr exactly at step warmup_steps - 1 "
                  "(step 0 gets max_lr / warmup_steps)")
        _fail(f"warmup should rise linearly to max_lr at step warmup_steps - 1; got {lr[:11]}")
    if any(b > a + 1e-12 for a, b in zip(lr[9:], lr[10:], strict=False)):
        if lr[150] > lr[110] + 1e-6:
            _fail("after max_steps the learning rate goes back up (a cosine keeps oscillating): "
                  "return min_lr for step >= max_steps")
        _fail("after warmup the learning rate should never increase")
    if _close(lr[109], 0.0, 1e-2) or _close(lr[150], 0.0, 1e-9):
        _fail("the schedule decays to 0: it should end at min_lr")
    if _close(lr[35], 1.0 - 0.9 * 25 / 100, 1e-6):
        _fail("this is a linear decay: a cosine decays slowly at first (0.868 a quarter of the way, not 0.775)")
    for step, want in _LR_TABLE.items():
        if not _close(lr[step], want, 1e-4):
            hint = ""
            if _close(lr[60], 0.48596, 1e-4):  # the cosine's value at step 60 if it starts at step 0
                hint = ": the cosine's progress should run from 0 at warmup_steps to 1 at max_steps"
            _fail(f"with warmup 10, max_steps 110, max_lr 1.0, min_lr 0.1: lr at step {step} should be "
                  f"{want}, got {lr[step]:.5f}{hint}")
    _passed("PASS get_lr: linear warmup, cosine decay to min_lr")


# ----------------------------------------------------------------------------------------------
# Exercise 3: AdamW parameter groups


def _tiny_gpt(dtype=torch.float32, **overrides):
    torch.manual_seed(0)
    config = GPTConfig(**{**dict(block_size=8, vocab_size=11, n_layer=2, n_head=2, n_embd=8), **overrides})
    return GPT(config).to(dtype)


def check_param_groups(param_groups):
    model = _tiny_gpt()
    groups = param_groups(model, 0.1)
    if not (isinstance(groups, list) and len(groups) == 2 and all(isinstance(g, dict) for g in groups)):
        _fail("return a list of two dicts, {'params': [...], 'weight_decay': ...}")
    names = {id(p): name for name, p in model.named_parameters()}  # a tied weight appears once
    seen = [id(p) for g in groups for p in g["params"]]
    if len(seen) != len(set(seen)):
        twice = sorted({names.get(i, "?") for i in seen if seen.count(i) > 1})
        _fail(f"{twice} are in the groups twice (the tied wte/lm_head weight is one tensor; "
              "use model.parameters(), which lists it once); AdamW rejects duplicates")
    missing = sorted(names[i] for i in names if i not in seen)
    if missing:
        _fail(f"every trainable parameter must be in a group; missing {missing[:4]}")
    decays = [g.get("weight_decay") for g in groups]
    if sorted(decays) != [0.0, 0.1]:
        _fail(f"one group should have weight_decay = the argument (0.1), the other 0.0; got {decays}")
    decayed = {names[id(p)] for g in groups if g["weight_decay"] == 0.1 for p in g["params"]}
    matrices = {f"{module_name}.weight".lstrip(".") for module_name, module in model.named_modules()
                if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)) and module.weight is not None}
    matrices = {name for name in matrices if name in names.values()}  # lm_head.weight is wte's, listed once
    if decayed == set(names.values()):
        _fail("every parameter is decayed: biases and LayerNorm parameters should not be")
    if not decayed:
        _fail("nothing is decayed: the weight matrices and embeddings should be")
    if decayed == set(names.values()) - matrices:
        _fail("the groups are swapped: decay the matrices, not the biases and LayerNorm parameters")
    extra, lacking = sorted(decayed - matrices), sorted(matrices - decayed)
    if any(".ln_" in n or n.startswith("transformer.ln_f") for n in extra):
        _fail(f"LayerNorm gains are decayed ({[n for n in extra if 'ln' in n][:2]}): only matrices should be "
              "(a rule on the name 'bias' misses LayerNorm weights; look at each parameter's shape)")
    if any(n.endswith(("wte.weight", "wpe.weight")) for n in lacking):
        _fail("the embedding tables are not decayed: in GPT-2 recipes they are matrices like the others")
    if extra or lacking:
        _fail(f"decay exactly the matrices; wrongly decayed {extra[:3]}, not decayed {lacking[:3]}")
    torch.optim.AdamW(groups, lr=1e-3)  # accepted by AdamW
    _passed("PASS param_groups: matrices decayed, biases and LayerNorm parameters not")


# ----------------------------------------------------------------------------------------------
# Exercise 4: one optimizer step with accumulation and clipping


def _flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def check_train_step(train_step):
    torch.manual_seed(1)
    batches = [(torch.randint(0, 11, (2, 8)), torch.randint(0, 11, (2, 8))) for _ in range(3)]
    full_x, full_y = torch.cat([x for x, _ in batches]), torch.cat([y for _, y in batches])
    reference = _tiny_gpt(torch.float64)
    _, full_loss = reference(full_x, full_y)  # one big batch: what accumulation must reproduce
    full_loss.backward()
    grad = _flat(p.grad for p in reference.parameters())
    norm = grad.norm().item()
    lr = 0.05
    for grad_clip in (1e9, 0.3 * norm):  # first without clipping, then with it active
        model = _tiny_gpt(torch.float64)
        before = _flat(p.detach() for p in model.parameters()).clone()
        stale = [torch.randn_like(p) for p in model.parameters()]
        for p, s in zip(model.parameters(), stale, strict=True):
            p.grad = s.clone()  # left over from "the previous step"
        optimizer = torch.optim.SGD(model.parameters(), lr=123.0)  # plain SGD: the update is -lr * gradient
        result = train_step(model, optimizer, copy.deepcopy(batches), lr, grad_clip)
        if not (isinstance(result, tuple) and len(result) == 2):
            _fail("return (mean loss, gradient norm)")
        loss, got_norm = float(result[0]), float(result[1])
        step = (_flat(p.detach() for p in model.parameters()) - before) / -lr  # the gradient that was applied
        clip = min(1.0, grad_clip / (norm + 1e-6))
        if torch.allclose(step, grad * clip, rtol=1e-6, atol=1e-12):
            pass
        elif torch.allclose(step * lr / 123.0, grad * clip, rtol=1e-5, atol=1e-12):
            _fail("the step used the optimizer's old learning rate: set group['lr'] = lr in every param group")
        elif torch.allclose(step, grad * len(batches) * clip, rtol=1e-6, atol=1e-12):
            _fail(f"the gradients are {len(batches)}x too large: divide each micro-batch's loss by "
                  "len(batches) before backward, so that they add up to the gradient of the mean")
        elif torch.allclose(step, (grad + _flat(stale)) * clip, rtol=1e-6, atol=1e-12) or \
                torch.allclose(step, grad + _flat(stale), rtol=1e-6, atol=1e-12):
            _fail("the previous step's gradients were still in .grad: call optimizer.zero_grad() first "
                  "(backward adds to .grad)")
        elif clip < 1 and torch.allclose(step, grad, rtol=1e-6, atol=1e-12):
            _fail("the gradients were not clipped before the step: call "
                  "torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip) after the backward passes "
                  "and before optimizer.step()")
        elif torch.allclose(step, torch.zeros_like(step)):
            _fail("the parameters did not change: call optimizer.step()")
        else:
            _fail("the update is not -lr x (the clipped gradient of the mean loss over all micro-batches)")
        if _close(loss, full_loss.item() * len(batches), 1e-6):
            _fail("the returned loss is the sum over micro-batches: return the mean")
        if not _close(loss, full_loss.item(), 1e-6):
            _fail(f"the returned loss should be the mean over all micro-batches, {full_loss.item():.6f}; "
                  f"got {loss:.6f}")
        if not _close(got_norm, norm, 1e-6):
            _fail(f"return the gradient norm that clip_grad_norm_ returns (before clipping), {norm:.6f}; "
                  f"got {got_norm:.6f}")
    _passed("PASS train_step: zero_grad, accumulated mean, clipping, lr, step")


# ----------------------------------------------------------------------------------------------
# Exercise 5: evaluation


class _Recorder(torch.nn.Module):
    """Wraps a model and records, at each forward, whether autograd and training mode were on."""

    def __init__(self, model):
        super().__init__()
        self.model, self.calls = model, []

    def forward(self, x, y):
        self.calls.append((torch.is_grad_enabled(), self.training, self.model.training))
        return self.model(x, y)


def check_evaluate(evaluate):
    torch.manual_seed(2)
    batches = [(torch.randint(0, 11, (2, 8)), torch.randint(0, 11, (2, 8))) for _ in range(3)]
    model = _Recorder(_tiny_gpt(torch.float64, dropout=0.5))  # dropout makes training mode visible
    without_dropout = _tiny_gpt(torch.float64, dropout=0.0)  # the same weights (same seed)
    losses = [without_dropout(x, y)[1].item() for x, y in batches]
    model.train()
    got = float(evaluate(model, batches))
    if len(model.calls) != len(batches):
        _fail(f"run the model once per batch ({len(batches)} batches); it ran {len(model.calls)} times")
    if any(grad for grad, _, _ in model.calls):
        _fail("autograd was on: wrap the evaluation in `with torch.no_grad():` (no graph, less memory)")
    if any(training for _, training, _ in model.calls):
        _fail("the model was in training mode (dropout on): call model.eval() before evaluating")
    if not model.training:
        _fail("the model is still in evaluation mode afterwards: call model.train() before returning")
    if _close(got, sum(losses), 1e-9):
        _fail("this is the sum of the batch losses: return their mean")
    if _close(got, losses[-1], 1e-9):
        _fail("this is the last batch's loss: average over all the batches")
    if not _close(got, sum(losses) / len(losses), 1e-9):
        _fail(f"the mean validation loss should be {sum(losses) / len(losses):.6f}; got {got:.6f}")
    _passed("PASS evaluate: no_grad, eval mode (and back), mean over batches")
