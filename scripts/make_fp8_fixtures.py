#!/usr/bin/env python3
"""FP8 fixtures (fp8-golden): hf-golden's tiny models in the real compressed-tensors FP8 layout.

For each of udf/src/test/resources/hf-golden/{tiny-draft,tiny-target} this writes the directory an
FP8-dynamic release has (llm-compressor's FP8_DYNAMIC scheme, as RedHatAI/Meta-Llama-3.1-8B-Instruct-
FP8-dynamic ships it), made with PyTorch's own float8_e4m3fn:

  config.json        hf-golden's, plus quantization_config: quant_method compressed-tensors, format
                     float-quantized, one group targeting Linear with weights {num_bits 8, type float,
                     strategy channel|tensor, symmetric, dynamic false} and input_activations
                     {num_bits 8, type float, strategy token, symmetric, dynamic true}, ignore [lm_head]
  model.safetensors  every q/k/v/o/gate/up/down_proj.weight as F8_E4M3 [out, in] plus its
                     <linear>.weight_scale in the model's dtype: [out, 1] (tiny-target: strategy channel,
                     F32) or [1] (tiny-draft: strategy tensor, BF16); everything else as stored
  golden.json        hf-golden's 300-token prompt and the logits of a float64 forward of the W8A8
                     model: weights scale * fp8, every projection's input quantised per token
                     (s = absmax / 448 in float32, codes = (x / s).clamp(+-448) cast to float8_e4m3fn,
                     i.e. round to nearest even) and dequantised; logits_first2, logits_last4,
                     argmax_all, logits_sum_abs as hf-golden's golden.json has them
  tokenizer.json, generation_config.json   copied

Quantisation, as compressed-tensors does it: scale = absmax / 448 over the row (channel) or the whole
tensor (tensor), rounded to the stored dtype; codes = (w / stored_scale).clamp(-448, 448) cast to
float8_e4m3fn (the stored scale is what dequantises them, so the division uses it too).

Needs only torch (2.1+: float8_e4m3fn) and safetensors; no network, no GPU (runs on the CPU in seconds).
Run from the repository root on the GPU box (PyTorch is there):

  python3 scripts/make_fp8_fixtures.py --out $OUT/fp8-golden

then copy the folder as it is to udf/src/test/resources/fp8-golden/ (tiny-draft/, tiny-target/) and
commit it; Fp8GoldenTest stops skipping.
"""
import argparse
import json
import math
import os
import shutil

import torch
from safetensors.torch import load_file, save_file

FP8_MAX = 448.0
LINEARS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
STRATEGY = {"tiny-target": "channel", "tiny-draft": "tensor"}


def quantization_config(strategy):
    scheme = {"actorder": None, "block_structure": None, "group_size": None, "num_bits": 8,
              "observer_kwargs": {}, "symmetric": True, "type": "float"}
    return {
        "config_groups": {"group_0": {
            "input_activations": dict(scheme, dynamic=True, observer=None, strategy="token"),
            "output_activations": None,
            "targets": ["Linear"],
            "weights": dict(scheme, dynamic=False, observer="minmax", strategy=strategy)}},
        "format": "float-quantized", "global_compression_ratio": None, "ignore": ["lm_head"],
        "kv_cache_scheme": None, "quant_method": "compressed-tensors", "quantization_status": "compressed"}


def quantize_weight(w, strategy, dtype):
    """(fp8 codes, stored scale) of an [out, in] weight; the scale in the checkpoint's dtype."""
    w32 = w.float()
    if strategy == "channel":
        absmax = w32.abs().amax(dim=1, keepdim=True)
    else:
        absmax = w32.abs().amax().reshape(1)
    scale = torch.where(absmax > 0, absmax / FP8_MAX, torch.ones_like(absmax)).to(dtype)
    s = scale.float() if strategy == "channel" else scale.float().reshape(1, 1)
    codes = (w32 / s).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn)
    return codes, scale


def qdq_tokens(x):
    """Per-token W8A8 activation quantisation of float64 rows, dequantised back to float64."""
    x32 = x.float()
    absmax = x32.abs().amax(dim=-1, keepdim=True)
    s = torch.where(absmax > 0, absmax / FP8_MAX, torch.ones_like(absmax))
    q = (x32 / s).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn)
    return q.float().double() * s.double()


def inv_freq(cfg, d):
    base = cfg["rope_theta"]
    inv = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":   # transformers' _compute_llama3_parameters
        factor, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        low_wl, high_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        scaled = torch.where(wl > low_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wl < high_wl) & ~(wl > low_wl)
        inv = torch.where(medium, smoothed, scaled)
    return inv.double()


def forward(cfg, W, ids):
    """float64 Llama forward with W8A8 projections; logits [n, vocab]."""
    n, dim, H, G = len(ids), cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or dim // H
    eps = cfg["rms_norm_eps"]
    lin = lambda x, name: qdq_tokens(x) @ W[name].T
    norm = lambda x, w: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w
    pos = torch.arange(n, dtype=torch.float32)
    ang = (pos[:, None] * inv_freq(cfg, D).float()[None, :]).double()   # float32 product, as HF
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
    rot = lambda t: torch.cat([-t[..., D // 2:], t[..., :D // 2]], -1)
    x = W["model.embed_tokens.weight"][torch.tensor(ids)]
    mask = torch.full((n, n), float("-inf"), dtype=torch.float64).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = norm(x, W[p + "input_layernorm.weight"])
        q = lin(h, p + "self_attn.q_proj.weight").view(n, H, D).transpose(0, 1)
        k = lin(h, p + "self_attn.k_proj.weight").view(n, G, D).transpose(0, 1)
        v = lin(h, p + "self_attn.v_proj.weight").view(n, G, D).transpose(0, 1)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k, v = k.repeat_interleave(H // G, 0), v.repeat_interleave(H // G, 0)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(D) + mask, -1) @ v
        x = x + lin(att.transpose(0, 1).reshape(n, H * D), p + "self_attn.o_proj.weight")
        h = norm(x, W[p + "post_attention_layernorm.weight"])
        g, u = lin(h, p + "mlp.gate_proj.weight"), lin(h, p + "mlp.up_proj.weight")
        x = x + lin(torch.nn.functional.silu(g) * u, p + "mlp.down_proj.weight")
    x = norm(x, W["model.norm.weight"])
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else W["lm_head.weight"]
    return x @ head.T


def make(src, dst, name):
    cfg = json.load(open(os.path.join(src, "config.json")))
    golden = json.load(open(os.path.join(src, "golden.json")))
    tensors = load_file(os.path.join(src, "model.safetensors"))
    strategy = STRATEGY[name]
    out, dequant = {}, {}
    for key, t in tensors.items():
        base = key[:-len(".weight")] if key.endswith(".weight") else None
        if base and base.split("layers.")[-1].split(".", 1)[-1] in LINEARS:
            codes, scale = quantize_weight(t, strategy, t.dtype)
            out[key] = codes
            out[base + ".weight_scale"] = scale
            dequant[key] = codes.float().double() * scale.double()
        else:
            out[key] = t
            dequant[key] = t.double()
    os.makedirs(dst, exist_ok=True)
    save_file(out, os.path.join(dst, "model.safetensors"), metadata={"format": "pt"})
    cfg["quantization_config"] = quantization_config(strategy)
    json.dump(cfg, open(os.path.join(dst, "config.json"), "w"), indent=2)
    for f in ("tokenizer.json", "generation_config.json"):
        if os.path.exists(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))
    ids = golden["input_ids"]
    with torch.no_grad():
        logits = forward(cfg, dequant, ids)
    ref = {"model": name + " (FP8 W8A8, strategy " + strategy + ", float64 forward)", "input_ids": ids, "n": len(ids),
           "logits_first2": logits[:2].tolist(), "logits_last4": logits[-4:].tolist(),
           "argmax_all": logits.argmax(-1).tolist(), "logits_sum_abs": logits.abs().sum().item()}
    json.dump(ref, open(os.path.join(dst, "golden.json"), "w"))
    base = torch.tensor(golden["logits_last4"], dtype=torch.float64)
    rel = ((logits[-4:] - base).norm() / base.norm()).item()
    print(f"{name}: {strategy} scales, {len(dequant)} tensors; last-4 logits vs unquantized hf-golden: rel {rel:.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default="udf/src/test/resources/hf-golden")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for name in ("tiny-draft", "tiny-target"):
        make(os.path.join(a.src, name), os.path.join(a.out, name), name)


if __name__ == "__main__":
    main()
