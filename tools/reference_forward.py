#!/usr/bin/env python3
"""Plain numpy float32/float64 Llama forward pass over a GGUF file: an independent
reference for logits and greedy token ids (no tokenizer: give token ids).

Every weight tensor is dequantized to float32 with gguf-py (gguf.quants.dequantize,
which is bit-exact with ggml's to_float for F16/Q8_0/Q4_0/Q4_K/Q6_K on the files checked),
then all activations, the KV cache and the matmuls are float64 (default) or float32.
This differs on purpose from llama.cpp's CPU path, which rounds activations to
Q8_0/Q8_K blocks before quantized dot products and keeps the KV cache in F16.

Model: llama.cpp "llama" architecture: RMSNorm (eps = llama.attention.layer_norm_rms_epsilon),
RoPE "normal" mode (rotates adjacent pairs x[2i], x[2i+1] by pos * base^(-2i/n_rot)),
grouped-query attention (query head h uses KV head h // (n_head / n_head_kv)),
scores scaled by 1/sqrt(head_dim), SwiGLU FFN: ffn_down(silu(ffn_gate(x)) * ffn_up(x)),
output = output.weight (or token_embd.weight when output.weight is absent).

Usage:
    python3 reference_forward.py MODEL.gguf --tokens "1 403 407 261 378" --steps 32 \
        [--logits-out FILE --logits-steps 2] [--dtype float32|float64]
    python3 reference_forward.py MODEL.gguf --ppl-tokens IDS.txt --ctx 128
Prints "GEN_IDS: ..." (greedy argmax; ties -> lowest id). Logits file format: for each
step a line "# pos P logits (vocab V)" followed by V lines, one value each.

--numerics ggml imitates the rounding points of llama.cpp's CPU backend (build c392e50,
x86, no flash attention): before every matrix product the activation vector is rounded
the way ggml converts it to the weight's vec_dot type (F16 weights: to fp16; Q8_0/Q4_0/Q5_0/
IQ4_NL weights: Q8_0 blocks of 32 with an fp16 scale, q = round-half-even(x * 127/amax);
Q4_1/Q5_1 weights: Q8_1, the same plus each block's minimum times the block sum
fp16(amax/127 * sum(q)); K-quant and IQ4_XS weights: Q8_K blocks of 256, iscale = -127/max,
q = min(127, round-half-even(iscale*x)), float32 scale 1/iscale); matmul outputs, norms and residuals are rounded to float32; the
KV cache holds fp16 K and V; Q is rounded to fp16 before Q.K and the softmax probabilities
to fp16 before P.V; RoPE angles are built by repeated float32 multiplication like ggml.
Summation order and ggml's vectorised exp are not imitated.

--ppl-tokens reproduces llama-perplexity's default method: IDS.txt holds the whole text's
token ids (whitespace separated, BOS first, as tokenize(text, add_bos=true) gives);
n_chunk = len(ids) // ctx; chunk i is ids[i*ctx:(i+1)*ctx] with its first id replaced by
BOS (id given by --bos, default 1), evaluated from an empty cache; the logits at positions
ctx/2 .. ctx-2 are scored against the next id; PPL = exp(mean negative log-likelihood).
"""
import argparse
import sys

import numpy as np
import gguf


def load(path, dt):
    r = gguf.GGUFReader(path)
    f = lambda k, d=None: r.fields[k].contents() if k in r.fields else d
    hp = dict(
        n_embd=int(f("llama.embedding_length")),
        n_layer=int(f("llama.block_count")),
        n_head=int(f("llama.attention.head_count")),
        n_head_kv=int(f("llama.attention.head_count_kv", f("llama.attention.head_count"))),
        eps=float(f("llama.attention.layer_norm_rms_epsilon", 1e-5)),
        base=float(f("llama.rope.freq_base", 10000.0)),
    )
    hp["head_dim"] = hp["n_embd"] // hp["n_head"]
    hp["n_rot"] = int(f("llama.rope.dimension_count", hp["head_dim"]))
    W = {}
    types = {}
    mins = {}
    for t in r.tensors:
        types[t.name] = t.tensor_type
        if t.tensor_type in (gguf.GGMLQuantizationType.Q4_1, gguf.GGMLQuantizationType.Q5_1):
            # each block's f16 minimum m (bytes 2-3): ggml multiplies it with Q8_1's own rounded sum
            raw = np.asarray(t.data).view(np.uint8).reshape(int(t.shape[1]), -1)
            size = gguf.GGML_QUANT_SIZES[t.tensor_type][1]
            blocks = raw.reshape(raw.shape[0], -1, size)
            mins[t.name] = blocks[:, :, 2:4].copy().view(np.float16)[:, :, 0].astype(np.float64)
        ne = [int(x) for x in t.shape]
        if t.tensor_type in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16):
            a = np.asarray(t.data, dtype=np.float32)
        else:
            a = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type)
        # numpy shape (ne1, ne0): a matrix maps an ne0-vector to an ne1-vector
        W[t.name] = a.reshape(list(reversed(ne))).astype(dt)
    if "output.weight" not in W:
        W["output.weight"] = W["token_embd.weight"]
        types["output.weight"] = types["token_embd.weight"]
        if "token_embd.weight" in mins:
            mins["output.weight"] = mins["token_embd.weight"]
    return hp, W, types, mins


Q = gguf.GGMLQuantizationType
F32T = np.float32


def f16(x):
    return np.asarray(x, dtype=np.float64).astype(np.float16).astype(np.float64)


def f32(x):
    return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)


def act_q8_0(x):
    # ggml-cpu quantize_row_q8_0 (AVX2 path): d = amax/127 stored fp16, q = rint(x * (127/amax))
    xb = np.asarray(x, dtype=np.float32).reshape(-1, 32)
    amax = np.abs(xb).max(axis=1).astype(np.float32)
    d = (amax / F32T(127.0)).astype(np.float32)
    with np.errstate(divide="ignore"):
        idv = np.where(amax != 0, F32T(127.0) / np.where(amax != 0, amax, F32T(1)), F32T(0)).astype(np.float32)
    q = np.rint((xb * idv[:, None]).astype(np.float32))
    return (f16(d)[:, None] * q).reshape(-1)


def act_q8_1_sum_error(x):
    # ggml-cpu quantize_row_q8_1 rounds like q8_0 and adds s = fp16(amax/127 * sum(q)) per block;
    # vec_dot_q4_1/q5_1 add m * s where the dequantized weights give m * fp16(amax/127) * sum(q):
    # this is s minus that, per block
    xb = np.asarray(x, dtype=np.float32).reshape(-1, 32)
    amax = np.abs(xb).max(axis=1).astype(np.float32)
    d = (amax / F32T(127.0)).astype(np.float32)
    with np.errstate(divide="ignore"):
        idv = np.where(amax != 0, F32T(127.0) / np.where(amax != 0, amax, F32T(1)), F32T(0)).astype(np.float32)
    q = np.rint((xb * idv[:, None]).astype(np.float32))
    qsum = q.sum(axis=1)
    s = f16((d * qsum.astype(np.float32)).astype(np.float32))
    return s - f16(d) * qsum


def act_q8_k(x):
    # ggml quantize_row_q8_K_ref: iscale = -127/max (max = signed value of largest |x|),
    # q = min(127, nearest_int(iscale*x)), d = 1/iscale (float32)
    xb = np.asarray(x, dtype=np.float32).reshape(-1, 256)
    out = np.zeros(xb.shape, dtype=np.float64)
    for i, row in enumerate(xb):
        j = int(np.argmax(np.abs(row)))  # first index of the largest |x|
        mx = row[j]
        if mx == 0:
            continue
        iscale = F32T(-127.0) / mx
        q = np.minimum(127, np.rint((iscale * row).astype(np.float32)))
        d = F32T(1.0) / iscale
        out[i] = np.float64(d) * q
    return out.reshape(-1)


def act_for(wtype, x):
    if wtype == Q.F32:
        return f32(x)
    if wtype == Q.F16:
        return f16(x)
    if wtype in (Q.Q8_0, Q.Q4_0, Q.Q5_0, Q.IQ4_NL, Q.Q4_1, Q.Q5_1):
        return act_q8_0(x)
    if wtype in (Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K, Q.IQ4_XS):
        return act_q8_k(x)
    raise SystemExit(f"--numerics ggml: no activation rule for {wtype.name}")


def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x) + eps) * w


def rope(v, pos, n_rot, base):
    # v: (n_heads, head_dim); rotate pairs (2i, 2i+1) for 2i < n_rot
    out = v.copy()
    i = np.arange(0, n_rot, 2)
    theta = pos * base ** (-i / n_rot)
    c, s = np.cos(theta), np.sin(theta)
    x0, x1 = v[:, i], v[:, i + 1]
    out[:, i] = x0 * c - x1 * s
    out[:, i + 1] = x0 * s + x1 * c
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--tokens", help="space-separated prompt ids (include BOS)")
    ap.add_argument("--ppl-tokens", help="file of token ids for a llama-perplexity style run")
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--bos", type=int, default=1)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--logits-out")
    ap.add_argument("--logits-steps", type=int, default=1)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    ap.add_argument("--numerics", choices=["exact", "ggml"], default="exact")
    a = ap.parse_args()
    dt = np.dtype(a.dtype)
    hp, W, types, mins = load(a.model, np.float64 if a.numerics == "ggml" else dt)
    ggml = a.numerics == "ggml"
    E, H, KV, D = hp["n_embd"], hp["n_head"], hp["n_head_kv"], hp["head_dim"]
    grp = H // KV
    L = hp["n_layer"]
    kc = [[] for _ in range(L)]
    vc = [[] for _ in range(L)]

    def mm(name, x):
        if not ggml:
            return W[name] @ x
        y = W[name] @ act_for(types[name], x)
        if name in mins:
            y = y + mins[name] @ act_q8_1_sum_error(x)
        return f32(y)

    def rms(x, w):
        if not ggml:
            return rmsnorm(x, w, hp["eps"])
        xf = np.asarray(x, dtype=np.float32)
        mean = F32T(np.sum(xf.astype(np.float64) * xf.astype(np.float64)) / xf.size)
        scale = F32T(1.0) / np.sqrt(mean + F32T(hp["eps"]), dtype=np.float32)
        return f32(f32(xf * scale) * w)

    def rope_g(v, pos):
        if not ggml:
            return rope(v, pos, hp["n_rot"], hp["base"])
        n_rot = hp["n_rot"]
        theta_scale = np.float32(np.power(np.float32(hp["base"]), np.float32(-2.0) / np.float32(n_rot), dtype=np.float32))
        th = np.empty(n_rot // 2, dtype=np.float32)
        t = np.float32(pos)
        for i in range(n_rot // 2):
            th[i] = t
            t = np.float32(t * theta_scale)
        c = np.cos(th.astype(np.float64)).astype(np.float32)
        sn = np.sin(th.astype(np.float64)).astype(np.float32)
        vf = np.asarray(v, dtype=np.float32)
        out = vf.copy()
        x0, x1 = vf[:, 0:n_rot:2], vf[:, 1:n_rot:2]
        out[:, 0:n_rot:2] = x0 * c - x1 * sn
        out[:, 1:n_rot:2] = x0 * sn + x1 * c
        return out.astype(np.float64)

    def step(tok, pos):
        x = W["token_embd.weight"][tok].copy()
        if ggml:
            return step_ggml(x, pos)
        for l in range(L):
            p = f"blk.{l}."
            h = rmsnorm(x, W[p + "attn_norm.weight"], hp["eps"])
            q = (W[p + "attn_q.weight"] @ h).reshape(H, D)
            k = (W[p + "attn_k.weight"] @ h).reshape(KV, D)
            v = (W[p + "attn_v.weight"] @ h).reshape(KV, D)
            q = rope(q, pos, hp["n_rot"], hp["base"])
            k = rope(k, pos, hp["n_rot"], hp["base"])
            kc[l].append(k)
            vc[l].append(v)
            K = np.stack(kc[l])  # (T, KV, D)
            V = np.stack(vc[l])
            att = np.empty((H, D), dtype=dt)
            for hh in range(H):
                kv = hh // grp
                sc = K[:, kv, :] @ q[hh] / np.sqrt(D).astype(dt)
                sc = np.exp(sc - sc.max())
                sc /= sc.sum()
                att[hh] = sc @ V[:, kv, :]
            x = x + W[p + "attn_output.weight"] @ att.reshape(-1)
            h = rmsnorm(x, W[p + "ffn_norm.weight"], hp["eps"])
            g = W[p + "ffn_gate.weight"] @ h
            u = W[p + "ffn_up.weight"] @ h
            x = x + W[p + "ffn_down.weight"] @ (g / (1 + np.exp(-g)) * u)
        x = rmsnorm(x, W["output_norm.weight"], hp["eps"])
        return W["output.weight"] @ x

    def step_ggml(x, pos):
        x = f32(x)
        for l in range(L):
            p = f"blk.{l}."
            h = rms(x, W[p + "attn_norm.weight"])
            q = mm(p + "attn_q.weight", h).reshape(H, D)
            k = mm(p + "attn_k.weight", h).reshape(KV, D)
            v = mm(p + "attn_v.weight", h).reshape(KV, D)
            q = rope_g(q, pos)
            k = rope_g(k, pos)
            kc[l].append(f16(k))
            vc[l].append(f16(v))
            K = np.stack(kc[l])
            V = np.stack(vc[l])
            qh = f16(q)
            att = np.empty((H, D), dtype=np.float64)
            scale = np.float32(1.0) / np.sqrt(np.float32(D), dtype=np.float32)
            for hh in range(H):
                kv = hh // grp
                sc = f32(K[:, kv, :] @ qh[hh])
                sc = f32(sc * np.float64(scale))
                e = np.exp(sc - sc.max())
                pr = f16(f32(e / e.sum()))
                att[hh] = f32(pr @ V[:, kv, :])
            x = f32(x + mm(p + "attn_output.weight", att.reshape(-1)))
            h = rms(x, W[p + "ffn_norm.weight"])
            g = mm(p + "ffn_gate.weight", h)
            u = mm(p + "ffn_up.weight", h)
            gu = f32(f32(g / (1 + np.exp(-g))) * u)
            x = f32(x + mm(p + "ffn_down.weight", gu))
        x = rms(x, W["output_norm.weight"])
        return mm("output.weight", x)

    if a.ppl_tokens:
        ids = [int(t) for t in open(a.ppl_tokens).read().split()]
        n_chunk = len(ids) // a.ctx
        first = a.ctx // 2
        nll, count = 0.0, 0
        for c in range(n_chunk):
            chunk = ids[c * a.ctx:(c + 1) * a.ctx]
            chunk[0] = a.bos
            for l in range(L):
                kc[l].clear()
                vc[l].clear()
            for j in range(a.ctx - 1):
                logits = step(chunk[j], j).astype(np.float64)
                if j >= first:
                    m = logits.max()
                    lse = m + np.log(np.exp(logits - m).sum())
                    nll += lse - logits[chunk[j + 1]]
                    count += 1
            print(f"[{c + 1}] {np.exp(nll / count):.4f}", flush=True)
        print(f"PPL = {np.exp(nll / count):.6f} over {n_chunk} chunks of {a.ctx}, {count} scored tokens")
        return 0
    if not a.tokens:
        ap.error("--tokens or --ppl-tokens is required")
    toks = [int(t) for t in a.tokens.split()]
    pos = 0
    for t in toks[:-1]:
        step(t, pos)
        pos += 1
    cur = toks[-1]
    gen = []
    lf = open(a.logits_out, "w") if a.logits_out else None
    for i in range(a.steps):
        logits = step(cur, pos)
        if lf and i < a.logits_steps:
            lf.write(f"# pos {pos} logits (vocab {logits.size}), before sampling\n")
            lf.write("".join(f"{float(v):.9g}\n" for v in logits))
        cur = int(np.argmax(logits))
        gen.append(cur)
        pos += 1
    if lf:
        lf.close()
    print("PROMPT_IDS: " + " ".join(map(str, toks)))
    print("GEN_IDS: " + " ".join(map(str, gen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
