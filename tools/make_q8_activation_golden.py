#!/usr/bin/env python3
"""Reference for how ggml-cpu rounds an activation row to Q8_0 blocks before a Q8_0/Q4_0 dot.

ggml-cpu's x86 quantize_row_q8_0 (AVX2/AVX-512 path, which produced the llama.cpp fixture
outputs): per block of 32, amax = max|x|, d = amax/127 stored as fp16, q = round-half-even(x * (127/amax))
computed in float32. Written with numpy only, independently of Kiln's code.

Output (fixtures/quant/q8_activations.txt): per row a line "x v0 v1 ..." (float32 values as
%.9g), then per block "b d_f16_hex q0 ... q31".
"""
import sys
from pathlib import Path

import numpy as np

F = np.float32


def blocks(x):
    out = []
    for b in x.reshape(-1, 32):
        amax = F(np.max(np.abs(b)))
        d = np.float16(amax / F(127))
        idv = F(127) / amax if amax != 0 else F(0)
        q = np.rint((b * idv).astype(F)).astype(np.int32)
        out.append((int(d.view(np.uint16)), q))
    return out


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "fixtures" / "quant")
    rng = np.random.default_rng(20240601)
    rows = [
        rng.normal(0, 1, 64).astype(F),
        (rng.normal(0, 0.02, 64) * np.where(rng.random(64) < 0.05, 50, 1)).astype(F),
        # integers (amax near 127)
        np.round(rng.uniform(-127, 127, 64)).astype(F),
        # ties: amax 254 gives id 0.5, so odd integers hit x.5 exactly
        np.concatenate([[F(254)], np.arange(-31, 32, 2, dtype=F)[:31], [F(-254)], np.arange(-29, 33, 2, dtype=F)[:31]]).astype(F),
        np.zeros(64, dtype=F),
        rng.uniform(-1e-3, 1e-3, 64).astype(F),
        (rng.normal(0, 1, 64) * 3000).astype(F),
    ]
    lines = []
    for x in rows:
        lines.append("x " + " ".join(f"{float(v):.9g}" for v in x))
        for d, q in blocks(x):
            lines.append(f"b {d:04x} " + " ".join(str(int(v)) for v in q))
    (folder / "q8_activations.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(rows)} rows to {folder / 'q8_activations.txt'}")


if __name__ == "__main__":
    main()
