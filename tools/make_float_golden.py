#!/usr/bin/env python3
"""Golden data for the float quant types (F32, F16, BF16), made with gguf-py.

Reads fixtures/quant/source.f32.gguf and writes, next to it, for TYPE in f32, f16, bf16:
  TYPE.gguf             every tensor converted by gguf.quants.quantize(data, TYPE)
  TYPE.dequant.f32.gguf TYPE.gguf converted back by gguf.quants.dequantize
These play the role ggml's quantizer output plays for the block types: the conformance kit
compares a plugin's conversion byte for byte with TYPE.gguf.

Usage: python3 tools/make_float_golden.py [fixtures/quant]
"""
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

ARCH = "kiln-quant-fixture"
TYPES = {"f32": Q.F32, "f16": Q.F16, "bf16": Q.BF16}


def write(path, tensors, qtype):
    w = gguf.GGUFWriter(str(path), ARCH)
    for name, data in tensors:
        if qtype == Q.F32:
            w.add_tensor(name, data.astype(np.float32))
        else:
            raw = gguf.quants.quantize(data, qtype)
            w.add_tensor(name, raw, raw_shape=raw.shape, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "fixtures" / "quant")
    src = gguf.GGUFReader(str(folder / "source.f32.gguf"))
    # GGUF shape is innermost first; numpy wants rows x columns
    tensors = [(t.name, np.array(t.data, dtype=np.float32).reshape(int(t.shape[1]), int(t.shape[0])))
               for t in src.tensors]
    for lower, qtype in TYPES.items():
        out = folder / f"{lower}.gguf"
        write(out, tensors, qtype)
        back = gguf.GGUFReader(str(out))
        deq = []
        for t in back.tensors:
            assert t.tensor_type == qtype, (t.name, t.tensor_type)
            values = gguf.quants.dequantize(t.data, qtype).astype(np.float32)
            deq.append((t.name, values.reshape(int(t.shape[1]), int(t.shape[0]))))
        write(folder / f"{lower}.dequant.f32.gguf", deq, Q.F32)
        print(f"wrote {out.name} and {lower}.dequant.f32.gguf ({len(deq)} tensors)")


if __name__ == "__main__":
    main()
