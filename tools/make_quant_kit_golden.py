#!/usr/bin/env python3
"""The conformance kit's golden data beyond ggml's quantized blocks (numpy only, no gguf-py).

1. Dot products with llama.cpp's CPU numerics, for every type with golden blocks:
   TYPE.dot.txt holds two activation rows and, for every row of every tensor of TYPE.gguf,
   the exact value ggml-cpu's vec_dot computes (to float rounding) and the sum of the
   magnitudes of its terms. ggml-cpu rounds the activations to the type's vec_dot_type
   first (ggml-cpu.c, type_traits_cpu), so the value is sum(dequant(w) * rounded(x)) in
   float64, with dequant(w) from gguf-py (TYPE.dequant.f32.gguf) and the rounding as
   ggml-cpu does it on x86 (arch/x86/quants.c):
     F32 none; F16 fp32->fp16 nearest even; BF16 GGML_FP32_TO_BF16;
     Q8_0 (Q4_0, Q5_0, Q8_0, IQ4_NL): d = f16(amax/127), q = rint(x * 127/amax);
     Q8_1 (Q4_1, Q5_1): Q8_0's d and q, and s = f16(amax/127 * sum(q)), which the dot uses
       for the weights' minimum term (m * s) instead of m * d * sum(q);
     Q8_K (K-quants, IQ4_XS): quantize_row_q8_K_ref: iscale = -127/max (max = the signed
       value of largest magnitude, first wins), q = min(127, rint(iscale*x)), d = 1/iscale.
2. Row subsets of the dequantized golden files of the types added after the kit's first
   release (q5_1, q3_k, q2_k, iq4_nl, iq4_xs): the first ROWS rows of each tensor, to keep
   the kit's jar small; their quantized files are copied whole.

Usage: python3 tools/make_quant_kit_golden.py SOURCE_DIR [OUT_DIR]
  SOURCE_DIR: the project's full shared golden set (shared/fixtures/quant), OUT_DIR: fixtures/quant.
"""
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

ROWS = 8
SUBSET_TYPES = ["q5_1", "q3_k", "q2_k", "iq4_nl", "iq4_xs"]
VEC_DOT_TYPE = {
    "f32": "f32", "f16": "f16", "bf16": "bf16",
    "q4_0": "q8_0", "q5_0": "q8_0", "q8_0": "q8_0", "iq4_nl": "q8_0",
    "q4_1": "q8_1", "q5_1": "q8_1",
    "q2_k": "q8_k", "q3_k": "q8_k", "q4_k": "q8_k", "q5_k": "q8_k", "q6_k": "q8_k", "iq4_xs": "q8_k",
}
# block bytes of the types whose dot uses the block minimum m (ggml_half at byte 2 of each block)
MIN_BLOCK_BYTES = {"q4_1": 20, "q5_1": 24}

# ---- a minimal GGUF v3 reader and F32 writer ------------------------------------------------

SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


class Gguf:
    def __init__(self, path):
        self.path = Path(path)
        b = self.path.read_bytes()
        self.bytes = b
        assert b[:4] == b"GGUF", path
        self.version, n_tensors, n_kv = struct.unpack_from("<IQQ", b, 4)
        pos = 24
        self.kv = []
        for _ in range(n_kv):
            key, pos = self._string(pos)
            vtype, = struct.unpack_from("<I", b, pos)
            start = pos
            pos = self._skip(vtype, pos + 4)
            self.kv.append((key, b[start:pos]))
            if key == "general.alignment":
                self.alignment = struct.unpack_from("<I", b, start + 4)[0]
        if not hasattr(self, "alignment"):
            self.alignment = 32
        self.tensors = []
        for _ in range(n_tensors):
            name, pos = self._string(pos)
            n_dims, = struct.unpack_from("<I", b, pos)
            dims = struct.unpack_from("<%dQ" % n_dims, b, pos + 4)
            pos += 4 + 8 * n_dims
            ttype, offset = struct.unpack_from("<IQ", b, pos)
            pos += 12
            self.tensors.append((name, dims, ttype, offset))
        self.data_start = (pos + self.alignment - 1) // self.alignment * self.alignment

    def _string(self, pos):
        n, = struct.unpack_from("<Q", self.bytes, pos)
        return self.bytes[pos + 8:pos + 8 + n].decode(), pos + 8 + n

    def _skip(self, vtype, pos):
        if vtype == 8:
            n, = struct.unpack_from("<Q", self.bytes, pos)
            return pos + 8 + n
        if vtype == 9:
            etype, n = struct.unpack_from("<IQ", self.bytes, pos)
            pos += 12
            for _ in range(n):
                pos = self._skip(etype, pos)
            return pos
        return pos + struct.calcsize(SCALAR[vtype])

    def raw(self, name, nbytes):
        for n, dims, ttype, offset in self.tensors:
            if n == name:
                start = self.data_start + offset
                return self.bytes[start:start + nbytes]
        raise KeyError(name)

    def f32(self, name):
        for n, dims, ttype, offset in self.tensors:
            if n == name:
                assert ttype == 0, (self.path, name, ttype)
                cols, rows = dims[0], int(np.prod(dims[1:]))
                start = self.data_start + offset
                return np.frombuffer(self.bytes, dtype="<f4", count=rows * cols, offset=start).reshape(rows, cols)
        raise KeyError(name)


def write_f32(path, template, tensors):
    """A GGUF v3 file with template's metadata and F32 tensors [(name, 2-D array)]."""
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(template.kv)))
    for key, value in template.kv:
        k = key.encode()
        out += struct.pack("<Q", len(k)) + k + value
    offset = 0
    offsets = []
    for name, a in tensors:
        n = name.encode()
        rows, cols = a.shape
        out += struct.pack("<Q", len(n)) + n + struct.pack("<IQQIQ", 2, cols, rows, 0, offset)
        offsets.append(offset)
        offset += (a.nbytes + template.alignment - 1) // template.alignment * template.alignment
    out += b"\0" * (-len(out) % template.alignment)
    for name, a in tensors:
        data = np.ascontiguousarray(a, dtype="<f4").tobytes()
        out += data + b"\0" * (-len(data) % template.alignment)
    Path(path).write_bytes(bytes(out))


# ---- ggml-cpu's activation rounding ------------------------------------------------------

def f16(v):
    return np.asarray(v, dtype=np.float32).astype(np.float16).astype(np.float32)


def bf16(v):
    u = np.asarray(v, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return r.astype(np.uint32).view(np.float32)


def q8_0_blocks(x):
    """(q, d as f16-rounded float32, amax/127 unrounded) per 32-value block, as x86 quantize_row_q8_0."""
    xb = np.asarray(x, dtype=np.float32).reshape(-1, 32)
    amax = np.abs(xb).max(axis=1).astype(np.float32)
    scale = (amax / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(amax != 0, np.float32(127) / amax, np.float32(0)).astype(np.float32)
    q = np.rint((xb * inv[:, None]).astype(np.float32))
    return q, f16(scale), scale


def q8_k(x):
    xb = np.asarray(x, dtype=np.float32).reshape(-1, 256)
    out = np.zeros(xb.shape, dtype=np.float64)
    for i, row in enumerate(xb):
        j = int(np.argmax(np.abs(row)))
        mx = row[j]
        if mx == 0:
            continue
        iscale = np.float32(-127.0) / mx
        q = np.minimum(127, np.rint((iscale * row).astype(np.float32)))
        out[i] = np.float64(np.float32(1.0) / iscale) * q
    return out.reshape(-1)


def rounded(vdt, x):
    """The activations as ggml-cpu multiplies them, in float64; for Q8_1 also the per-block (d*sum(q), s)."""
    if vdt == "f32":
        return np.asarray(x, dtype=np.float64), None
    if vdt == "f16":
        return f16(x).astype(np.float64), None
    if vdt == "bf16":
        return bf16(x).astype(np.float64), None
    if vdt == "q8_k":
        return q8_k(x), None
    q, d, scale = q8_0_blocks(x)
    xq = (q.astype(np.float64) * d.astype(np.float64)[:, None]).reshape(-1)
    if vdt == "q8_0":
        return xq, None
    sums = q.sum(axis=1)
    s = f16((scale * sums.astype(np.float32)).astype(np.float32)).astype(np.float64)
    return xq, (d.astype(np.float64) * sums, s)


def activations(n):
    rng = np.random.default_rng(20261126)
    x0 = rng.normal(0.0, 1.0, n).astype(np.float32)
    x0[::37] *= 9.0  # outliers, as real activations have
    x1 = rng.uniform(-0.01, 0.01, n).astype(np.float32)
    x1[:256] = -np.abs(x1[:256])  # first 256: largest magnitude negative
    return x0, x1


def either(src, out, name):
    """The full golden file: from SOURCE_DIR, else (the float types, made by make_float_golden.py) from OUT_DIR."""
    return Gguf(src / name if (src / name).exists() else out / name)


def dot_golden(src, out, t):
    quant = either(src, out, f"{t}.gguf")
    deq = either(src, out, f"{t}.dequant.f32.gguf")
    vdt = VEC_DOT_TYPE[t]
    lines = [f"# {t}.gguf rows . activations rounded to {vdt} as ggml-cpu (x86) does: "
             "tensor row dot(x0) sum|terms|(x0) dot(x1) sum|terms|(x1); "
             "made by tools/make_quant_kit_golden.py"]
    xs = None
    for name, dims, ttype, offset in quant.tensors:
        w = deq.f32(name).astype(np.float64)
        rows, cols = w.shape
        if xs is None:
            xs = activations(cols)
            for k, x in enumerate(xs):
                lines.append(f"x{k} " + " ".join(f"{v:08x}" for v in x.view(np.uint32)))
        assert cols == len(xs[0]), (t, name, cols)
        per_x = []
        for x in xs:
            xq, q81 = rounded(vdt, x)
            dots = w @ xq
            bound = np.abs(w) @ np.abs(xq)
            if q81 is not None:
                bb = MIN_BLOCK_BYTES[t]
                nb = cols // 32
                raw = np.frombuffer(quant.raw(name, rows * nb * bb), dtype=np.uint8).reshape(rows, nb, bb)
                m = raw[:, :, 2:4].copy().view("<f2").reshape(rows, nb).astype(np.float64)
                dsum, s = q81
                dots = dots + m @ (s - dsum)
                bound = bound + np.abs(m) @ np.abs(s)
            per_x.append((dots, bound))
        for r in range(rows):
            lines.append(f"{name} {r} " + " ".join(f"{repr(float(d[r]))} {repr(float(b[r]))}" for d, b in per_x))
    (out / f"{t}.dot.txt").write_text("\n".join(lines) + "\n")
    return len(lines)


def main():
    root = Path(__file__).resolve().parent.parent
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "fixtures" / "quant"
    for t in SUBSET_TYPES:
        shutil.copyfile(src / f"{t}.gguf", out / f"{t}.gguf")
        full = Gguf(src / f"{t}.dequant.f32.gguf")
        write_f32(out / f"{t}.dequant.f32.gguf", full,
                  [(name, full.f32(name)[:ROWS]) for name, _, _, _ in full.tensors])
        print(f"{t}: quantized file copied, dequantized file cut to {ROWS} rows per tensor")
    for t in VEC_DOT_TYPE:
        n = dot_golden(src, out, t)
        print(f"{t}.dot.txt: {n} lines")


if __name__ == "__main__":
    main()
