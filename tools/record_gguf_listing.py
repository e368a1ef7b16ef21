#!/usr/bin/env python3
"""Record what gguf-py (llama.cpp's own reader) sees in every GGUF fixture.

For each fixtures/**/*.gguf writes format-gguf/src/test/resources/listings/<path with / as __>.json:
  version, alignment, data_offset,
  metadata: key -> {"type": T, "value": V}  for scalars (FLOAT32/FLOAT64 also as "bits",
            the raw IEEE bit pattern, so the Java test compares them exactly; integers as
            decimal strings so UINT64 survives),
            key -> {"type": "ARRAY", "element_type": T, "length": N, "head": [first 8],
            "sha256": hash of the raw element bytes exactly as stored in the file}
  tensors: [{name, type, shape (GGUF order), offset (absolute, = data_offset), size}]
The Java listing test (GgufListingTest) re-encodes the values it decoded and compares.

Usage (from the repo root): python3 tools/record_gguf_listing.py
"""
import hashlib
import json
import pathlib
import struct
import sys

import numpy as np
from gguf import GGUFReader, GGUFValueType

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
OUT = ROOT / "format-gguf" / "src" / "test" / "resources" / "listings"
HEAD = 8


def scalar(vtype, part):
    """JSON form of one scalar from its numpy part."""
    if vtype == GGUFValueType.STRING:
        return {"value": bytes(part).decode("utf-8")}
    if vtype == GGUFValueType.BOOL:
        return {"value": bool(part[0])}
    if vtype == GGUFValueType.FLOAT32:
        bits = struct.unpack("<I", struct.pack("<f", float(part[0])))[0]
        return {"value": float(part[0]), "bits": str(bits)}
    if vtype == GGUFValueType.FLOAT64:
        bits = struct.unpack("<Q", struct.pack("<d", float(part[0])))[0]
        return {"value": float(part[0]), "bits": str(bits)}
    return {"value": str(int(part[0]))}


def field_json(field):
    vtype = field.types[0]
    if vtype != GGUFValueType.ARRAY:
        out = {"type": vtype.name}
        out.update(scalar(vtype, field.parts[field.data[0]]))
        return out
    etype = field.types[1] if len(field.types) > 1 else GGUFValueType.UINT8
    # parts: key length, key, value type, element type, count, then the element parts
    raw = b"".join(np.asarray(p).tobytes() for p in field.parts[5:])
    out = {"type": "ARRAY", "element_type": etype.name, "length": int(field.parts[4][0]),
           "sha256": hashlib.sha256(raw).hexdigest()}
    if etype != GGUFValueType.ARRAY:
        out["head"] = [scalar(etype, field.parts[i])["value"] if etype not in (GGUFValueType.FLOAT32, GGUFValueType.FLOAT64)
                       else scalar(etype, field.parts[i])["bits"] for i in field.data[:HEAD]]
    return out


def listing(path):
    r = GGUFReader(str(path))
    meta = {}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        meta[key] = field_json(field)
    tensors = [{"name": t.name, "type": t.tensor_type.name, "shape": [int(d) for d in t.shape],
                "offset": int(t.data_offset), "size": int(t.n_bytes)} for t in r.tensors]
    return {"file": path.relative_to(FIXTURES).as_posix(),
            "version": int(r.fields["GGUF.version"].parts[0][0]),
            "alignment": int(r.alignment), "data_offset": int(r.data_offset),
            "metadata": meta, "tensors": tensors}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    files = sorted(FIXTURES.rglob("*.gguf"))
    for path in files:
        rel = path.relative_to(FIXTURES).as_posix()
        target = OUT / (rel.replace("/", "__") + ".json")
        target.write_text(json.dumps(listing(path), indent=1, ensure_ascii=True) + "\n")
        print(f"{rel} -> {target.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
