#!/usr/bin/env python3
"""PyTorch's causal GQA attention rates, the reference for KernelBench's attention rows.

Runs torch.nn.functional.scaled_dot_product_attention (BF16, causal, H query heads over G KV heads)
under each SDPA backend that accepts the shape: cuDNN (SDPBackend.CUDNN_ATTENTION, the strongest on
Hopper), FlashAttention-2 (SDPBackend.FLASH_ATTENTION) and PyTorch's default choice, with q, k, v
contiguous [B, H, N, D] and again with q read out of packed rows [N, (H + 2G) * D] as our forward
pass holds it ("packed q"). Times with CUDA events: 3 warm-ups, median of 10 timings of 5 calls back
to back (as KernelBench times ours: host work overlaps the previous call, as in a forward pass).
FLOPs: 4 * N^2 / 2 * D * H (the causal half of QK^T and PV), as KernelBench counts them.

Usage: python3 scripts/torch_attention.py [--lengths 8192,32768] [--head-dims 128,64] [--heads 32 --kv-heads 8]
"""
import argparse
import statistics

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def median_ms(fn, warmups=3, repeats=10, inner=5):
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / inner)
    return statistics.median(times)


def run(backend, q, k, v):
    """One causal SDPA call; GQA through enable_gqa (no copies of K/V)."""
    if backend is None:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    with sdpa_kernel(backend):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lengths", default="8192,32768")
    p.add_argument("--head-dims", default="128,64")
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=8)
    a = p.parse_args()
    H, G = a.heads, a.kv_heads
    backends = [("cudnn", SDPBackend.CUDNN_ATTENTION), ("flash", SDPBackend.FLASH_ATTENTION), ("default", None)]
    print(f"# torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name()}, "
          f"causal SDPA, BF16, H={H} G={G}", flush=True)
    print(f"{'op':<18} | {'shape':<28} | {'backend':<16} | {'ms':>9} | {'TFLOP/s':>8}", flush=True)
    for d in (int(x) for x in a.head_dims.split(",")):
        for n in (int(x) for x in a.lengths.split(",")):
            torch.manual_seed(n + d)
            packed = torch.randn(1, n, H + 2 * G, d, device="cuda", dtype=torch.bfloat16)
            layouts = [("", torch.randn(1, H, n, d, device="cuda", dtype=torch.bfloat16)),
                       (" packed q", packed[:, :, :H].transpose(1, 2))]
            k = torch.randn(1, G, n, d, device="cuda", dtype=torch.bfloat16)
            v = torch.randn(1, G, n, d, device="cuda", dtype=torch.bfloat16)
            flops = 4.0 * n * n / 2 * d * H
            for layout, q in layouts:
                ref = None
                for name, backend in backends:
                    shape = f"H={H} G={G} D={d} N={n}"
                    try:
                        out = run(backend, q, k, v)
                        if ref is None:
                            ref = out.float()
                        err = (out.float() - ref).abs().max().item()
                        ms = median_ms(lambda: run(backend, q, k, v))
                        print(f"{'attention prefill':<18} | {shape:<28} | {name + layout:<16} | {ms:9.3f} | "
                              f"{flops / ms / 1e9:8.1f}   (max |diff| vs first backend {err:.2e})", flush=True)
                    except RuntimeError as e:
                        print(f"{'attention prefill':<18} | {shape:<28} | {name + layout:<16} | not available: "
                              f"{str(e).splitlines()[0][:80]}", flush=True)
            del packed, layouts, k, v, ref
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
