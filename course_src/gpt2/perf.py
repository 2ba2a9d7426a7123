"""Model FLOPs utilisation (MFU): how much of the accelerator's peak the training step uses.

MFU = (model FLOPs per token x tokens per second) / peak FLOP/s (Chowdhery et al., 2022, PaLM,
appendix B). Model FLOPs count only the maths the model needs (6N + 12 L H Q T per token), not
recomputation or padding, so MFU compares fairly across implementations. N is every parameter that
takes part in a matmul: all but the position table, with the tied token matrix counted once
(model.py's flops_per_token). Chapter 7's estimates and bench/train_throughput.py use the same
convention; Kaplan et al.'s 6ND leaves out all embeddings and the attention term, so it gives less.
"""

import re

# Dense BF16 tensor-core peaks. NVIDIA's datasheets print the figure with 2:4 sparsity (H100 SXM:
# 1,979 TFLOPS); dense matmuls, which training uses, get half of it. Matched in order against
# torch.cuda.get_device_name(); add your device if it is missing.
PEAK_BF16_FLOPS = [
    (r"H100.*PCIe", 756e12),  # H100 PCIe
    (r"H100", 989e12),  # H100 SXM (HBM3)
    (r"H200", 989e12),  # H200 SXM: the same GH100 compute as H100 SXM, more memory
    (r"A100", 312e12),  # A100 SXM and PCIe
    (r"L40S", 362e12),
    (r"\bL4\b", 121e12),
    (r"\bA10\b", 125e12),
]


def peak_bf16_flops(device_name):
    """Peak dense BF16 FLOP/s of a GPU named like torch.cuda.get_device_name(), or None if unknown."""
    for pattern, flops in PEAK_BF16_FLOPS:
        if re.search(pattern, device_name):
            return flops
    return None


def device_peak_flops(device):
    """Peak BF16 FLOP/s of a torch device (a CUDA GPU in the table), else None (CPU, MPS, unknown)."""
    import torch

    if str(device).startswith("cuda") and torch.cuda.is_available():
        return peak_bf16_flops(torch.cuda.get_device_name(device))
    return None


def mfu(flops_per_token, tokens_per_second, peak_flops, n_devices=1):
    """Fraction of the peak used, or None when the peak is unknown."""
    if not peak_flops:
        return None
    return flops_per_token * tokens_per_second / (peak_flops * n_devices)
