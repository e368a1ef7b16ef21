#!/usr/bin/env python3
"""Turns JMH's JSON (ops/s) into GB/s of weights streamed and GFLOP/s for Kiln's kernel benchmarks."""
import json
import re
import sys

ROWS = 2048  # MatvecBenchmark.ROWS / PrefillBenchmark.ROWS
BYTES_PER_WEIGHT = {"F32": 4, "F16": 2, "BF16": 2, "Q4_0": 18 / 32, "Q8_0": 34 / 32,
                    "Q4_K": 144 / 256, "Q6_K": 210 / 256, "Q5_K": 176 / 256, "Q3_K": 110 / 256,
                    "Q2_K": 84 / 256}


def gb_per_s(r, t):
    """GB/s of weights a matvec result streamed."""
    cols = int(r["params"]["cols"])
    return r["primaryMetric"]["score"] * ROWS * cols * BYTES_PER_WEIGHT[t] / 1e9


def main(path):
    with open(path) as f:
        results = json.load(f)
    rows = []
    q4k = {}  # (params, kind) -> GB/s of the Q4_K kernel in the same run
    for r in results:
        m = re.match(r"matvecQ4_K(Scalar|Vector)$", r["benchmark"].rsplit(".", 1)[1])
        if m:
            q4k[(tuple(sorted(r.get("params", {}).items())), m.group(1))] = gb_per_s(r, "Q4_K")
    for r in results:
        name = r["benchmark"].rsplit(".", 1)[1]
        params = r.get("params", {})
        ops = r["primaryMetric"]["score"]
        try:
            err = float(r["primaryMetric"].get("scoreError", "nan"))  # "NaN" with < 3 iterations
        except (TypeError, ValueError):
            err = float("nan")
        m = re.match(r"(matvec|matmul)(\w+?)(Scalar|Vector)$", name)
        gbs = gflops = vs = ""
        if m:
            t = m.group(2)
            cols = int(params["cols"])
            batch = int(params.get("batch", 1))
            weights = ROWS * cols
            gbs = "%.2f" % (ops * weights * BYTES_PER_WEIGHT[t] / 1e9)
            gflops = "%.2f" % (ops * 2 * weights * batch / 1e9)
            ref = q4k.get((tuple(sorted(params.items())), m.group(3)))
            if ref and m.group(1) == "matvec":
                vs = "%.2f" % (ref / gb_per_s(r, t))  # time per weight byte relative to Q4_K's
        p = " ".join("%s=%s" % kv for kv in sorted(params.items()))
        rows.append((name, p, "%.1f ± %.1f" % (ops, err), gbs, gflops, vs))
    head = ("benchmark", "params", "ops/s", "GB/s", "GFLOP/s", "s/byte vs Q4_K")
    w = [max(len(r[i]) for r in rows + [head]) for i in range(6)]
    fmt = "  ".join("{:<%d}" % x for x in w)
    print(fmt.format(*head))
    for r in rows:
        print(fmt.format(*r))


if __name__ == "__main__":
    main(sys.argv[1])
