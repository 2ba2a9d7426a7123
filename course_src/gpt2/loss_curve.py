"""A loss curve as an SVG (no plotting library needed), and the summary of a run for results files."""

import math
import os
import platform


def loss_curve_svg(steps, losses, val_steps, val_losses, width=640, height=320):
    """Training loss (thin line) and validation loss (dots joined) against the step, as SVG text."""
    left, right, top, bottom = 56, 16, 16, 40
    x_max = max(max(steps), max(val_steps), 1)
    y_lo = math.floor(min(min(losses), min(val_losses)) * 2) / 2
    y_hi = math.ceil(max(max(losses), max(val_losses)) * 2) / 2

    def xy(step, loss):
        x = left + (width - left - right) * step / x_max
        y = top + (height - top - bottom) * (y_hi - loss) / max(y_hi - y_lo, 1e-9)
        return f"{x:.1f},{y:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'font-family="sans-serif" font-size="12" role="img" aria-label="loss curve">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for i in range(int((y_hi - y_lo) * 2) + 1):  # a grid line every 0.5 nats
        loss = y_lo + i / 2
        y = xy(0, loss).split(",")[1]
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">{loss:g}</text>')
    for i in range(5):  # step ticks
        step = round(x_max * i / 4)
        x = xy(step, y_lo).split(",")[0]
        parts.append(f'<text x="{x}" y="{height - bottom + 16}" text-anchor="middle">{step}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle">step</text>')
    parts.append(f'<text x="14" y="{(top + height - bottom) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {(top + height - bottom) / 2})">loss (nats per token)</text>')
    train_points = " ".join(xy(s, v) for s, v in zip(steps, losses, strict=True))
    val_points = " ".join(xy(s, v) for s, v in zip(val_steps, val_losses, strict=True))
    parts.append(f'<polyline points="{train_points}" fill="none" stroke="#1f77b4" stroke-width="1"/>')
    parts.append(f'<polyline points="{val_points}" fill="none" stroke="#d62728" stroke-width="2"/>')
    for point in val_points.split():
        x, y = point.split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="#d62728"/>')
    parts.append(f'<text x="{width - right}" y="{top + 12}" text-anchor="end" fill="#1f77b4">training loss</text>'
                 f'<text x="{width - right}" y="{top + 28}" text-anchor="end" fill="#d62728">validation loss</text>')
    return "\n".join(parts + ["</svg>\n"])


def cpu_name():
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_summary(cfg, history, wall_s, cpu_s, device):
    """What a results file records about a run: settings, hardware, times, losses, the last sample."""
    import torch

    return {
        "model": {"n_layer": cfg.model.n_layer, "n_head": cfg.model.n_head, "n_embd": cfg.model.n_embd,
                  "block_size": cfg.model.block_size, "vocab_size": cfg.model.vocab_size},
        "steps": len(history["step"]),
        "tokens": len(history["step"]) * cfg.total_batch_size,
        "hardware": {"device": device, "cpu": cpu_name(), "machine": platform.machine(),
                     "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                     "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "torch": torch.__version__,
        "wall_s": round(wall_s, 1),
        "cpu_s": round(cpu_s, 1),
        "train_step": history["step"],
        "train_loss": [round(v, 4) for v in history["loss"]],
        "val_step": history["val_step"],
        "val_loss": [round(v, 4) for v in history["val_loss"]],
        "final_val_loss": round(history["val_loss"][-1], 4),
        "samples": history["samples"],
    }
