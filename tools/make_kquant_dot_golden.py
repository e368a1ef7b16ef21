#!/usr/bin/env python3
"""Expected Q4_K/Q6_K dot products with llama.cpp's CPU numerics, for the quant plugins' tests.

llama.cpp multiplies K-quant weights with activations rounded to Q8_K blocks (ggml's
quantize_row_q8_K_ref: iscale = -127/max where max is the signed value of largest magnitude,
q = min(127, round-half-even(iscale*x)), d = 1/iscale in float32) and sums exact integer
products. So the exact value of its dot product is sum(dequant(w) * d*q), which this script
computes in float64 from gguf-py's dequantization of real llama-quantize output
(fixtures/models/tiny-kquant/tiny-kquant-Q4_K_M.gguf) and rounds to float32. A correct
kernel agrees to float32 accumulation rounding.

Writes, per type, a text file: '# comment' lines, one line 'x <512 float32 bit patterns in hex>'
(two activation vectors, lines 'x0' and 'x1'), then 'row R dot0 dot1' lines (float32 as
repr of the float64 value of the float32).

Usage: python3 tools/make_kquant_dot_golden.py  (from the repository root)
"""
from pathlib import Path

import numpy as np
import gguf

MODEL = Path("fixtures/models/tiny-kquant/tiny-kquant-Q4_K_M.gguf")
CASES = {
    # type: (tensor, output file)
    "Q4_K": ("blk.0.ffn_down.weight", Path("quant-q4_k/src/test/resources/dev/kiln/quant/q4_k/dot-golden.txt")),
    "Q6_K": ("blk.1.ffn_down.weight", Path("quant-q6_k/src/test/resources/dev/kiln/quant/q6_k/dot-golden.txt")),
}


def act_q8_k(x):
    xb = np.asarray(x, dtype=np.float32).reshape(-1, 256)
    out = np.zeros(xb.shape, dtype=np.float64)
    for i, row in enumerate(xb):
        j = int(np.argmax(np.abs(row)))
        mx = row[j]
        if mx == 0:
            continue
        iscale = np.float32(-127.0) / mx
        q = np.minimum(127, np.rint((iscale * row).astype(np.float32)))
        d = np.float32(1.0) / iscale
        out[i] = np.float64(d) * q
    return out.reshape(-1)


def activations(n):
    rng = np.random.default_rng(20261126)
    x0 = rng.normal(0.0, 1.0, n).astype(np.float32)
    x0[::37] *= 9.0  # outliers, as real activations have
    x1 = rng.uniform(-0.01, 0.01, n).astype(np.float32)
    x1[:256] = -np.abs(x1[:256])  # first block: largest magnitude negative
    return x0, x1


def main():
    r = gguf.GGUFReader(str(MODEL))
    tensors = {t.name: t for t in r.tensors}
    for type_name, (name, out) in CASES.items():
        t = tensors[name]
        assert t.tensor_type.name == type_name, (name, t.tensor_type)
        cols, rows = int(t.shape[0]), int(t.shape[1])
        w = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type).reshape(rows, cols).astype(np.float64)
        xs = activations(cols)
        dots = [(w @ act_q8_k(x)).astype(np.float32) for x in xs]
        lines = [f"# {MODEL.name} {name} ({type_name}, {rows} rows of {cols}); made by tools/make_kquant_dot_golden.py"]
        for k, x in enumerate(xs):
            lines.append(f"x{k} " + " ".join(f"{v:08x}" for v in x.view(np.uint32)))
        for row in range(rows):
            lines.append(f"row {row} " + " ".join(repr(float(d[row])) for d in dots))
        out.write_text("\n".join(lines) + "\n")
        print(out, rows, "rows")


if __name__ == "__main__":
    main()
