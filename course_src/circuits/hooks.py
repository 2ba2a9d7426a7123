"""Hook points with TransformerLens's names and calls, small enough to read in one sitting.

A model built from `HookedModule` puts an identity layer, a `HookPoint`, wherever an activation is
worth reading: `blocks.0.attn.hook_pattern`, `blocks.1.hook_resid_post`, ... Its name is the path
of attributes to it, as in TransformerLens, so `run_with_cache` and `run_with_hooks` take the same
names here as there. TransformerLens's HookedTransformer does much more (2,600 lines); these two
calls are what the circuits notebooks need.
"""

from __future__ import annotations

import torch.nn as nn


class HookPoint(nn.Module):
    """Identity layer that hooks can read or replace: `fn(activation, hook) -> new activation | None`."""

    def __init__(self):
        super().__init__()
        self.name = ""
        self.fns = []

    def forward(self, x):
        for fn in self.fns:
            out = fn(x, self)
            if out is not None:
                x = out
        return x


class HookedModule(nn.Module):
    """Adds `run_with_cache` and `run_with_hooks` to any module that contains HookPoints."""

    def hook_points(self) -> dict[str, HookPoint]:
        points = {name: m for name, m in self.named_modules() if isinstance(m, HookPoint)}
        for name, m in points.items():
            m.name = name
        return points

    def run_with_hooks(self, tokens, fwd_hooks=()):
        """Forward pass with `fwd_hooks = [(hook_name, fn), ...]` attached; hooks are removed afterwards."""
        points = self.hook_points()
        try:
            for name, fn in fwd_hooks:
                if name not in points:
                    raise KeyError(f"no hook point {name!r}; available: {', '.join(points)}")
                points[name].fns.append(fn)
            return self(tokens)
        finally:
            for p in points.values():
                p.fns.clear()

    def run_with_cache(self, tokens, names_filter=None):
        """Returns (logits, cache) where cache maps hook names to detached activations."""
        cache = {}

        def save(x, hook):
            cache[hook.name] = x.detach()

        names = [n for n in self.hook_points() if names_filter is None or names_filter(n)]
        logits = self.run_with_hooks(tokens, [(n, save) for n in names])
        return logits, cache
