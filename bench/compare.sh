#!/usr/bin/env bash
# Same-run comparison of Kiln with llama.cpp on the same GGUF files: prompt processing (pp) and
# token generation (tg) tokens/s from `kiln bench --json` and llama.cpp, run back to back per file
# and thread count, and the ratio Kiln / llama.cpp, as markdown tables ready for the README.
#
# Usage: bench/compare.sh [--shape SHAPE] [--types "Q4_0 Q8_0 Q4_K_M"] [-p 128] [-n 64] [-t "2 1"] [-r 3]
#                         [--dir DIR] [--backend NAME] [--llama bench|node] [--first-token-runs R] [MODEL.gguf...]
#   MODEL.gguf  files to compare; without any, the synthetic files of --shape/--types in --dir
#   --shape     kiln synth shape (default tinyllama-1.1b; llama-3.2-1b, small)
#   --types     quant types (default "Q4_0 Q8_0 Q4_K_M", with llama-quantize's default mixes)
#   --dir       where the synthetic files live (default bench/models; written with kiln synth when missing)
#   -t          thread counts, space-separated (default "2 1")
#   --llama     which llama.cpp: "bench" = a llama-bench binary built from source (LLAMA_BENCH=PATH,
#               else llama-bench on PATH); "node" = node-llama-cpp's prebuilt CPU build through
#               bench/llamacpp-bench.mjs. Default: bench when one is found, else node. llama-bench is
#               the reference: through node, llama.cpp's 2-thread tg reads low on a 2-core machine
#               (the node process competes with its threads; see bench/llamacpp-bench.mjs).
#   --first-token-runs  starts per file for bench/first-token.sh (open + first token from process
#               start, with and without the JVM's AOT cache; peak resident), run last; 0 skips it (default 3)
#
# Ratios are only meaningful within one run on an otherwise idle machine: other processes on the
# cores slow both sides, multi-threaded runs far more than single-threaded ones. The load average
# is printed before and after.
# Needs: JDK 25 + Maven (for ./kiln; KILN=... runs another launcher), python3, and either
#   llama-bench: build llama.cpp from source outside this repository, e.g.
#     cmake -B build -DGGML_NATIVE=ON -DCMAKE_BUILD_TYPE=Release && cmake --build build --target llama-bench
#   or node and node-llama-cpp 3.22.1, installed once with
#     mkdir -p ~/llamacpp && cd ~/llamacpp && npm init -y >/dev/null && npm install node-llama-cpp@3.22.1
#   (or point NODE_PATH at another node_modules holding it; LLAMACPP_BENCH at another script).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SHAPE=tinyllama-1.1b
TYPES="Q4_0 Q8_0 Q4_K_M"
P=128
N=64
THREADS="2 1"
R=3
FIRST_TOKEN_RUNS=3
DIR="$ROOT/bench/models"
BACKEND=""
LLAMA=""
FILES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shape) SHAPE="$2"; shift 2 ;;
    --types) TYPES="$2"; shift 2 ;;
    -p) P="$2"; shift 2 ;;
    -n) N="$2"; shift 2 ;;
    -t) THREADS="$2"; shift 2 ;;
    -r) R="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --backend) BACKEND="$2"; shift 2 ;;
    --llama) LLAMA="$2"; shift 2 ;;
    --first-token-runs) FIRST_TOKEN_RUNS="$2"; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) FILES+=("$1"); shift ;;
  esac
done

KILN="${KILN:-$ROOT/kiln}"
command -v python3 >/dev/null || { echo "compare.sh: python3 is needed to read the JSON results" >&2; exit 1; }
LLAMA_BENCH="${LLAMA_BENCH:-$(command -v llama-bench || true)}"
if [[ -z "$LLAMA" ]]; then
  [[ -n "$LLAMA_BENCH" ]] && LLAMA=bench || LLAMA=node
fi
case "$LLAMA" in
  bench)
    [[ -n "$LLAMA_BENCH" && -x "$LLAMA_BENCH" ]] \
      || { echo "compare.sh: no llama-bench found (set LLAMA_BENCH=PATH or put it on PATH)" >&2; exit 1; }
    # "version: N (commit)" from builds that have --version; older ones name their build in the JSON
    # results, printed after the table
    LLAMA_NAME="llama-bench ($("$LLAMA_BENCH" --version 2>&1 | grep -m1 '^version:' || echo "$LLAMA_BENCH"))" ;;
  node)
    export NODE_PATH="${NODE_PATH:-$HOME/llamacpp/node_modules}"
    LLAMACPP="${LLAMACPP_BENCH:-$ROOT/bench/llamacpp-bench.mjs}"
    command -v node >/dev/null || { echo "compare.sh: node is needed for the node-llama-cpp side (or use --llama bench)" >&2; exit 1; }
    [[ -f "$LLAMACPP" ]] || { echo "compare.sh: $LLAMACPP not found (set LLAMACPP_BENCH)" >&2; exit 1; }
    if ! node -e "require(require('path').join(process.env.NODE_PATH, 'node-llama-cpp/package.json'))" 2>/dev/null; then
      echo "compare.sh: node-llama-cpp not found in NODE_PATH=$NODE_PATH; install it (see --help)" >&2
      exit 1
    fi
    LLAMA_NAME="node-llama-cpp $(node -e "console.log(require(require('path').join(process.env.NODE_PATH, 'node-llama-cpp/package.json')).version)")" ;;
  *) echo "compare.sh: --llama is bench or node, not $LLAMA" >&2; exit 2 ;;
esac

if [[ ${#FILES[@]} -eq 0 ]]; then
  mkdir -p "$DIR"
  for TYPE in $TYPES; do
    FILE="$DIR/$SHAPE-$TYPE.gguf"
    if [[ ! -s "$FILE" ]]; then
      echo "compare.sh: writing $FILE with kiln synth" >&2
      "$KILN" synth --shape "$SHAPE" --type "$TYPE" -o "$FILE" >&2
    fi
    FILES+=("$FILE")
  done
fi

field() { # field JSON PATH: a value from a one-line JSON object, e.g. field "$j" pp.mean
  python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("-" if v is None else v)' "$1" "$2"
}
ratio() { python3 -c '
import sys
a, b = (float(x) if x not in ("-", "") else 0 for x in sys.argv[1:])
print(f"{a / b:.2f}×" if a > 0 and b > 0 else "-")' "$1" "$2"; }

# llama.cpp's pp and tg for FILE at T threads as {"pp": {"mean", "sd"}, "tg": {...}}; llama-bench's
# build (number and commit) goes to $LLAMA_BUILD
LLAMA_BUILD="$(mktemp)"
trap 'rm -f "$LLAMA_BUILD"' EXIT
llama_run() {
  local file="$1" t="$2"
  if [[ "$LLAMA" == bench ]]; then
    "$LLAMA_BENCH" -m "$file" -p "$P" -n "$N" -t "$t" -r "$R" -o json 2>/dev/null | python3 -c '
import json, sys
out = {}
for e in json.load(sys.stdin):
    key = "pp" if e.get("n_gen", 0) == 0 else "tg"
    out[key] = {"mean": round(e["avg_ts"], 2), "sd": round(e["stddev_ts"], 2)}
    with open(sys.argv[1], "w") as f:
        f.write("build %s, commit %s, %s" % (e.get("build_number", "?"), e.get("build_commit", "?"), e.get("cpu_info", "")))
print(json.dumps(out))' "$LLAMA_BUILD"
  else
    node "$LLAMACPP" "$file" -p "$P" -n "$N" -t "$t" -r "$R" | tail -1
  fi
}

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
CPU="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || uname -m)"
echo "Kiln vs llama.cpp ($LLAMA_NAME),"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $CPU, load average $(load) at the start;"
echo "pp$P, tg$N, $R runs each (mean ± sd, tokens/s)"
echo
echo "| model | threads | Kiln pp$P | llama.cpp pp$P | pp ratio | Kiln tg$N | llama.cpp tg$N | tg ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
MEMORY=()
for FILE in "${FILES[@]}"; do
  for T in $THREADS; do
    K="$("$KILN" bench -m "$FILE" -p "$P" -n "$N" -t "$T" -r "$R" ${BACKEND:+--backend "$BACKEND"} --json | tail -1)"
    L="$(llama_run "$FILE" "$T")"
    echo "kiln: $K" >&2
    echo "llama.cpp: $L" >&2
    printf '| %s | %s | %s ± %s | %s ± %s | %s | %s ± %s | %s ± %s | %s |\n' "$(basename "$FILE" .gguf)" "$T" \
      "$(field "$K" pp.mean)" "$(field "$K" pp.sd)" "$(field "$L" pp.mean)" "$(field "$L" pp.sd)" \
      "$(ratio "$(field "$K" pp.mean)" "$(field "$L" pp.mean)")" \
      "$(field "$K" tg.mean)" "$(field "$K" tg.sd)" "$(field "$L" tg.mean)" "$(field "$L" tg.sd)" \
      "$(ratio "$(field "$K" tg.mean)" "$(field "$L" tg.mean)")"
    MEMORY+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s |' "$(basename "$FILE" .gguf)" "$T" "$(field "$K" load_ms)" \
      "$(field "$K" first_token_ms)" "$(field "$K" first_token_warm_ms)" "$(field "$K" file_mib)" "$(field "$K" peak_rss_mib)" \
      "$(field "$K" peak_heap_mib)")")
  done
done
echo
[[ -s "$LLAMA_BUILD" ]] && echo "llama-bench: $(cat "$LLAMA_BUILD")"
echo "load average $(load) at the end"
# the other targets, Kiln side: open + first token of a 1-token prompt < 1 s (here from Kiln.load
# in kiln bench's JVM: its first open, JIT cold, and a second open after the rounds, JIT warm),
# peak resident ≤ file + 15 %
echo
echo "| model | threads | Kiln load ms | Kiln open + first token ms | same, second open (JIT warm) ms | file MiB | Kiln peak resident MiB | Kiln peak heap MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${MEMORY[@]}"
if [[ "$FIRST_TOKEN_RUNS" -gt 0 ]]; then
  echo
  KILN="$KILN" "$ROOT/bench/first-token.sh" -r "$FIRST_TOKEN_RUNS" -t 1 "${FILES[@]}"
fi
