#!/usr/bin/env python3
"""Sets every normalization weight (*norm.weight, F32) of a GGUF file to SCALE * (1 + N(0, STD)),
in place (gguf-py). `kiln synth` writes norm weights of exactly 1, with which a test cannot tell
one norm's weights from another's; a tiny test model with several norms per block (Gemma's pre-
and post-attention and feed-forward norms, per-head q/k norms) gets distinct ones this way.
SCALE is 1 unless a NAME=SCALE argument names a part of the tensor's name (e.g. post_ffw_norm=8).

Why Gemma's tiny models scale their post-norms by 8: the token embedding enters the residual
stream multiplied by sqrt(n_embd) and doubles as the output head, so with random weights the
last token's own logit dwarfs every other and greedy decoding repeats it forever; blocks whose
outputs are as large as that embedding make the continuation depend on the context.

Usage: python3 tools/perturb_norm_weights.py FILE.gguf STD SEED [NAME=SCALE ...]
"""
import sys

import gguf
import numpy as np


def main():
    path, std, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    scales = dict((k, float(v)) for k, v in (a.split("=", 1) for a in sys.argv[4:]))
    rng = np.random.default_rng(seed)
    r = gguf.GGUFReader(path, "r+")
    n = 0
    for t in r.tensors:
        if t.name.endswith("norm.weight"):
            if t.tensor_type != gguf.GGMLQuantizationType.F32:
                sys.exit(f"{path}: {t.name} is {t.tensor_type.name}, expected F32")
            scale = next((s for k, s in scales.items() if k in t.name), 1.0)
            t.data[...] = (scale * (1.0 + rng.normal(0.0, std, t.data.shape))).astype(np.float32)
            n += 1
    r.data.flush()
    print(f"{path}: {n} norm weights set to SCALE * (1 + N(0, {std})), SCALE {scales or 1}")


if __name__ == "__main__":
    main()
