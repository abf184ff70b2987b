#!/usr/bin/env python3
"""PyTorch reference for ForwardBench (cuda module), run in the same device call on the same GPU.

transformers LlamaForCausalLM with SDPA attention, BF16, random weights of real shapes (HF's own
initializer, made directly on the GPU), logits of the last token only. Same measures as
ForwardBench: full prefill of N tokens (1 warm-up, median of 3, each ending in a host copy of the
argmax) and decode ms per token with a 32K cache (greedy, argmax copied back each step).

Usage: python3 scripts/torch_reference.py [--lengths 4096,8192,16384,32768] [--models llama-3.2-1b,llama-3.1-8b]
"""
import argparse
import statistics
import time

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

CONFIGS = {
    "llama-3.2-1b": dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
                         head_dim=64, intermediate_size=8192, tie_word_embeddings=True, factor=32.0),
    "llama-3.1-8b": dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                         head_dim=128, intermediate_size=14336, tie_word_embeddings=False, factor=8.0),
}
DECODE_STEPS = 32


def config(name):
    c = dict(CONFIGS[name])
    factor = c.pop("factor")
    rope = dict(rope_type="llama3", factor=factor, low_freq_factor=1.0, high_freq_factor=4.0,
                original_max_position_embeddings=8192)
    common = dict(vocab_size=128256, rms_norm_eps=1e-5, max_position_embeddings=131072, **c)
    try:   # transformers 5 names the RoPE settings rope_parameters (theta inside)
        cfg = LlamaConfig(rope_parameters=dict(rope_theta=500000.0, **rope), **common)
    except TypeError:
        cfg = LlamaConfig(rope_theta=500000.0, rope_scaling=rope, **common)
    cfg._attn_implementation = "sdpa"
    return cfg


def wall_ms(fn, warmups=1, repeats=3):
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


@torch.inference_mode()
def bench(name, lengths):
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config(name))
    model.eval()
    vocab = model.config.vocab_size
    for n in lengths:
        ids = torch.randint(0, vocab, (1, n), device="cuda")
        ms = wall_ms(lambda: model(input_ids=ids, use_cache=False, logits_to_keep=1).logits[:, -1].argmax(-1).item())
        print(f"{name:<14} | {'full prefill N=' + str(n):<34} | {ms:10.1f} | {n / ms * 1e3:10.0f}", flush=True)
    n = max(lengths)
    ids = torch.randint(0, vocab, (1, n), device="cuda")
    out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
    cache, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
    for _ in range(3):   # warm-up steps
        out = model(input_ids=nxt, past_key_values=cache, use_cache=True)
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        nxt.item()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(DECODE_STEPS):
        out = model(input_ids=nxt, past_key_values=cache, use_cache=True)
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        nxt.item()
    step = (time.perf_counter() - t0) * 1e3 / DECODE_STEPS
    print(f"{name:<14} | {'decode per token, cache ' + str(n):<34} | {step:10.2f} | {1e3 / step:10.1f}", flush=True)
    del model, cache, out
    torch.cuda.empty_cache()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lengths", default="4096,8192,16384,32768")
    p.add_argument("--models", default="llama-3.2-1b,llama-3.1-8b")
    a = p.parse_args()
    lengths = [int(x) for x in a.lengths.split(",")]
    print(f"# torch {torch.__version__}, transformers {transformers.__version__}, {torch.cuda.get_device_name()}, "
          f"SDPA, BF16, random weights", flush=True)
    print(f"{'model':<14} | {'measure':<34} | {'ms':>10} | {'tok/s':>10}", flush=True)
    for name in a.models.split(","):
        bench(name, lengths)


if __name__ == "__main__":
    main()
