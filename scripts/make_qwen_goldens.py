#!/usr/bin/env python3
"""Tiny random Qwen2 and Qwen3 checkpoints with Hugging Face reference outputs (qwen-golden).

Made exactly as ../shared/fixtures/hf-golden was made for Llama (see its README), so the same Java
checks apply: the model directory as transformers saves it, then a FRESH float32 load of that
directory (stored BF16 weights upcast exactly; RoPE inverse frequencies computed in float32 at load),
eager attention, float32 math on the CPU, and for the 300-token prompt of hf-golden's tiny-draft:
logits_first2, logits_last4, argmax_all, logits_sum_abs, greedy_24 (no early stop), attn_last8
[layers, heads, 8, n], and the pruned prefill (subset_keep_positions, subset_prefill_last_logits,
subset_greedy_16: kept tokens prefilled at their ORIGINAL positions, generated token i at n + i).

  tiny-qwen2: Qwen2ForCausalLM, hidden 64, 2 layers, 4 heads, 2 KV heads (head_dim 16 = 64 / 4),
              MLP 160, q/k/v biases (o_proj none), TIED embeddings, stored BF16, eos 3004.
  tiny-qwen3: Qwen3ForCausalLM, hidden 64, 3 layers, 4 heads, 2 KV heads, head_dim 32 (not 64 / 4),
              MLP 128, q_norm/k_norm before RoPE, no biases (attention_bias false), untied, stored
              F32, eos [3004, 3001].
  Both: rope_theta 1e6 (plain RoPE, as the released models), rms_norm_eps 1e-6, vocabulary 3005 of
  hf-golden's tiny tokenizer (copied in as tokenizer.json), weights random but not trivial: matrices
  N(0, 0.06) (q/k projections N(0, 0.15) so attention is not uniform), embeddings N(0, 0.2), biases
  N(0, 0.3), every RMSNorm weight (q_norm/k_norm included) 1 + N(0, 0.2).

Each model's logits are also checked here against a float64 re-implementation written from the
modeling code (biases, q/k norms before RoPE, GQA, SwiGLU), so a config that transformers reads
differently from what this script means fails here, not in the Java tests.

Needs only torch, transformers (written for 5.x), safetensors; no network (everything is built
from transformers' own classes with a config made in code). Run from the repository root, on any
machine with those (the GPU box has PyTorch 2.11 and transformers 5.17; it runs on the CPU):

  python3 scripts/make_qwen_goldens.py --out $OUT/qwen-golden

then copy the folder as it is to udf/src/test/resources/qwen-golden/ (tiny-qwen2/, tiny-qwen3/,
README.md) and commit it; QwenGoldenTest stops skipping. About 3 MB in all, a minute of CPU.
"""
import argparse
import json
import math
import os
import shutil

import torch
import transformers
from safetensors import safe_open

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HF_GOLDEN = os.path.join(ROOT, "udf", "src", "test", "resources", "hf-golden")

COMMON = dict(vocab_size=3005, hidden_size=64, num_key_value_heads=2, num_attention_heads=4,
              max_position_embeddings=2048, rms_norm_eps=1e-6, bos_token_id=3000, hidden_act="silu",
              use_sliding_window=False, attention_dropout=0.0)
ROPE_THETA = 1000000.0
MODELS = [
    dict(name="tiny-qwen2", cls="Qwen2", dtype=torch.bfloat16, seed=20260213,
         config=dict(num_hidden_layers=2, intermediate_size=160, tie_word_embeddings=True, eos_token_id=3004)),
    dict(name="tiny-qwen3", cls="Qwen3", dtype=torch.float32, seed=20260214,
         config=dict(num_hidden_layers=3, intermediate_size=128, head_dim=32, attention_bias=False,
                     tie_word_embeddings=False, eos_token_id=[3004, 3001])),
]
GREEDY, SUBSET_GREEDY, ATTN_ROWS = 24, 16, 8


TRANSFORMERS_5 = int(transformers.__version__.split(".")[0]) >= 5


def make_config(spec):
    cls = getattr(transformers, spec["cls"] + "Config")
    kw = dict(COMMON, **spec["config"])
    if TRANSFORMERS_5:   # transformers 5 names the RoPE settings rope_parameters (theta inside)
        return cls(rope_parameters=dict(rope_type="default", rope_theta=ROPE_THETA), **kw)
    return cls(rope_theta=ROPE_THETA, rope_scaling=None, **kw)


def rope_theta(cfg):
    params = getattr(cfg, "rope_parameters", None)
    return params["rope_theta"] if params else cfg.rope_theta


def randomize(model, seed, dtype):
    """Non-trivial random weights, rounded to the storage dtype (so the float32 reload is exact)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():   # a tied lm_head is embed_tokens, listed once
            if name.endswith("norm.weight"):          # input/post_attention/final norms, q_norm, k_norm
                v = 1.0 + 0.2 * torch.randn(p.shape, generator=gen)
            elif name.endswith(".bias"):
                v = 0.3 * torch.randn(p.shape, generator=gen)
            elif "embed_tokens" in name:
                v = 0.2 * torch.randn(p.shape, generator=gen)
            elif "q_proj" in name or "k_proj" in name:
                v = 0.15 * torch.randn(p.shape, generator=gen)
            else:
                v = 0.06 * torch.randn(p.shape, generator=gen)
            p.copy_(v.to(dtype).to(torch.float32))


def check_checkpoint(spec, out_dir, model):
    """The saved directory holds what the Java loader expects: biases, norms, tied or not."""
    cfg, L = model.config, model.config.num_hidden_layers
    with safe_open(os.path.join(out_dir, "model.safetensors"), "pt") as f:
        names = set(f.keys())
        stored = {f.get_tensor(n).dtype for n in names}
    qwen2 = spec["cls"] == "Qwen2"
    for l in range(L):
        p = f"model.layers.{l}.self_attn."
        for suffix in ("q_proj.bias", "k_proj.bias", "v_proj.bias"):
            assert (p + suffix in names) == qwen2, p + suffix
        assert p + "o_proj.bias" not in names
        assert (p + "q_norm.weight" in names) == (not qwen2) and (p + "k_norm.weight" in names) == (not qwen2)
    assert cfg.tie_word_embeddings or "lm_head.weight" in names, "untied but no lm_head.weight"
    assert stored == {spec["dtype"]}, stored
    att = model.model.layers[0].self_attn
    assert att.head_dim == spec["config"].get("head_dim", COMMON["hidden_size"] // COMMON["num_attention_heads"])
    assert all(t == "full_attention" for t in getattr(cfg, "layer_types", ["full_attention"]))
    inv = model.model.rotary_emb.inv_freq
    d = att.head_dim
    want = 1.0 / (ROPE_THETA ** (torch.arange(0, d, 2, dtype=torch.int64).to(torch.float32) / d))
    assert inv.dtype == torch.float32 and torch.allclose(inv, want, rtol=1e-6, atol=0), "RoPE inverse frequencies"
    if not torch.equal(inv, want):   # the Java side computes them as HF's formula does, in float32
        print(f"note: inv_freq differs from the float32 formula by {(inv - want).abs().max().item():.3g}")


def reference_logits(model, ids):
    """float64 forward written from the Qwen2/Qwen3 modeling code, independent of transformers."""
    cfg = model.config
    sd = {k: v.double() for k, v in model.state_dict().items()}
    H, G, L = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.num_hidden_layers
    D = model.model.layers[0].self_attn.head_dim
    eps, n = cfg.rms_norm_eps, len(ids)

    def rms(x, w):
        return w * (x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps))

    def lin(x, name):
        y = x @ sd[name + ".weight"].T
        return y + sd[name + ".bias"] if name + ".bias" in sd else y

    inv = 1.0 / (ROPE_THETA ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    ang = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos()] * 2, -1)[:, None, :], torch.cat([ang.sin()] * 2, -1)[:, None, :]

    def rope(x):   # x [n, heads, D], rotate_half
        return x * cos + torch.cat([-x[..., D // 2:], x[..., :D // 2]], -1) * sin

    x = sd["model.embed_tokens.weight"][torch.tensor(ids)]
    causal = torch.full((n, n), float("-inf"), dtype=torch.float64).triu(1)
    for l in range(L):
        p = f"model.layers.{l}."
        h = rms(x, sd[p + "input_layernorm.weight"])
        q = lin(h, p + "self_attn.q_proj").view(n, H, D)
        k = lin(h, p + "self_attn.k_proj").view(n, G, D)
        v = lin(h, p + "self_attn.v_proj").view(n, G, D)
        if p + "self_attn.q_norm.weight" in sd:
            q, k = rms(q, sd[p + "self_attn.q_norm.weight"]), rms(k, sd[p + "self_attn.k_norm.weight"])
        q, k = rope(q), rope(k)
        k, v = k.repeat_interleave(H // G, 1), v.repeat_interleave(H // G, 1)
        s = torch.einsum("thd,jhd->htj", q, k) / math.sqrt(D) + causal
        o = torch.einsum("htj,jhd->thd", s.softmax(-1), v).reshape(n, H * D)
        x = x + lin(o, p + "self_attn.o_proj")
        h = rms(x, sd[p + "post_attention_layernorm.weight"])
        gate, up = lin(h, p + "mlp.gate_proj"), lin(h, p + "mlp.up_proj")
        x = x + lin(gate * torch.sigmoid(gate) * up, p + "mlp.down_proj")
    head = sd["lm_head.weight"] if "lm_head.weight" in sd else sd["model.embed_tokens.weight"]
    return rms(x, sd["model.norm.weight"]) @ head.T


def greedy(model, ids, positions, next_position, steps):
    """Logits at the last prompt row and `steps` greedy tokens; generated token i at next_position + i.

    An explicit all-ones attention_mask keeps transformers from reading position gaps as packed
    sequences (it does so only when attention_mask is None): attention stays plainly causal.
    """
    k = len(ids)
    out = model(input_ids=torch.tensor([ids]), position_ids=torch.tensor([positions]),
                attention_mask=torch.ones(1, k, dtype=torch.long), use_cache=True)
    last = out.logits[0, -1].float()
    past, tok, toks = out.past_key_values, int(last.argmax()), []
    for i in range(steps):
        toks.append(tok)
        if i + 1 == steps:
            break
        out = model(input_ids=torch.tensor([[tok]]), position_ids=torch.tensor([[next_position + i]]),
                    attention_mask=torch.ones(1, k + i + 1, dtype=torch.long), past_key_values=past, use_cache=True)
        past, tok = out.past_key_values, int(out.logits[0, -1].argmax())
    return last, toks


def load_fp32(cls, out_dir):
    """A fresh load in float32 (transformers 5 would otherwise keep the stored dtype; 4 spells it torch_dtype)."""
    key = "dtype" if TRANSFORMERS_5 else "torch_dtype"
    return cls.from_pretrained(out_dir, attn_implementation="eager", **{key: torch.float32})


@torch.no_grad()
def make(spec, out_root, tokenizer, input_ids):
    name, dtype = spec["name"], spec["dtype"]
    out_dir = os.path.join(out_root, name)
    os.makedirs(out_dir, exist_ok=True)
    cls = getattr(transformers, spec["cls"] + "ForCausalLM")
    model = cls(make_config(spec))
    randomize(model, spec["seed"], dtype)
    model.to(dtype).save_pretrained(out_dir)   # model.safetensors (the default) and config.json
    shutil.copyfile(tokenizer, os.path.join(out_dir, "tokenizer.json"))
    if not os.path.exists(os.path.join(out_dir, "generation_config.json")):
        eos = spec["config"]["eos_token_id"]
        with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
            json.dump({"bos_token_id": COMMON["bos_token_id"], "eos_token_id": eos}, f, indent=2)

    model = load_fp32(cls, out_dir).eval()   # a fresh float32 load of the stored weights
    check_checkpoint(spec, out_dir, model)
    cfg = model.config
    L, H, n = cfg.num_hidden_layers, cfg.num_attention_heads, len(input_ids)
    out = model(input_ids=torch.tensor([input_ids]), attention_mask=torch.ones(1, n, dtype=torch.long),
                output_attentions=True, use_cache=False)
    logits = out.logits[0].float()
    attn = out.attentions
    assert len(attn) == L and tuple(attn[0].shape) == (1, H, n, n), [tuple(a.shape) for a in attn]
    ref_err = (reference_logits(model, input_ids) - logits.double()).abs().max().item()
    assert ref_err < 1e-4, f"{name}: transformers vs the float64 reference: max |logit diff| {ref_err}"

    full_last, greedy24 = greedy(model, input_ids, list(range(n)), n, GREEDY)
    assert (full_last - logits[-1]).abs().max().item() < 1e-5
    keep = list(range(0, n - 10, 3)) + list(range(n - 10, n))
    sub_last, sub16 = greedy(model, [input_ids[p] for p in keep], keep, n, SUBSET_GREEDY)

    golden = {
        "model": name,
        "input_ids": input_ids,
        "n": n,
        "logits_last4": logits[n - 4:].tolist(),
        "logits_first2": logits[:2].tolist(),
        "logits_sum_abs": logits.double().abs().sum().item(),
        "argmax_all": logits.argmax(-1).tolist(),
        "greedy_24": greedy24,
        "attn_last8_shape": [L, H, ATTN_ROWS, n],
        "attn_last8": [a[0, :, n - ATTN_ROWS:, :].float().tolist() for a in attn],
        "subset_keep_positions": keep,
        "subset_prefill_last_logits": sub_last.tolist(),
        "subset_greedy_16": sub16,
    }
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump(golden, f)
    print(f"{name}: {cls.__name__}, {sum(p.numel() for p in model.parameters())} parameters, "
          f"max |logit| {logits.abs().max().item():.3f}, float64 reference within {ref_err:.2e}, "
          f"greedy_24 {greedy24[:6]}..., subset_greedy_16 {sub16[:6]}...", flush=True)


README = """# Qwen reference fixtures from the Hugging Face stack

Made by `scripts/make_qwen_goldens.py` (its header says how) with transformers {tv} and PyTorch {pv},
float32 math on CPU, exactly as `hf-golden` (see its README for the fields of `golden.json`).
Same prompt (hf-golden tiny-draft's 300 `input_ids`) and the same tokenizer (copied in).

- tiny-qwen2: `Qwen2ForCausalLM`, hidden 64, 2 layers, 4 heads, 2 KV heads, head_dim 16, MLP 160,
  q/k/v biases, tied embeddings (no `lm_head.weight`), weights stored as BF16.
- tiny-qwen3: `Qwen3ForCausalLM`, hidden 64, 3 layers, 4 heads, 2 KV heads, head_dim 32 (not
  hidden / heads), MLP 128, q_norm/k_norm, no biases, untied, weights stored as F32, eos [3004, 3001].
- Both: rope_theta 1e6 (plain RoPE), rms_norm_eps 1e-6; logits also checked by the script against
  a float64 re-implementation (max abs difference printed when made).

Expected agreement for a float32 implementation: as hf-golden (logits about 1e-4, attention about
1e-6, greedy tokens identical).
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "udf", "src", "test", "resources", "qwen-golden"))
    ap.add_argument("--tokenizer", default=os.path.join(HF_GOLDEN, "tokenizer", "tokenizer.json"))
    ap.add_argument("--prompt-from", default=os.path.join(HF_GOLDEN, "tiny-draft", "golden.json"),
                    help="a golden.json whose input_ids are the prompt")
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    torch.use_deterministic_algorithms(True)
    with open(args.prompt_from) as f:
        input_ids = json.load(f)["input_ids"]
    assert len(input_ids) == 300 and input_ids[0] == COMMON["bos_token_id"]
    os.makedirs(args.out, exist_ok=True)
    for spec in MODELS:
        make(spec, args.out, args.tokenizer, input_ids)
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(README.format(tv=transformers.__version__, pv=torch.__version__))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
