#!/usr/bin/env bash
# Same-run comparison of Kiln with llama.cpp (node-llama-cpp's prebuilt CPU build from npm) on the
# same synthetic GGUF files: prompt processing (pp) and token generation (tg) tokens/s and the
# ratio Kiln / llama.cpp, as a markdown table ready for the README.
#
# Usage: bench/compare.sh [--shape SHAPE] [--types "Q4_0 Q8_0 Q4_K_M"] [-p 128] [-n 64] [-t "2 1"] [-r 3]
#                         [--dir DIR] [--backend NAME]
#   --shape   kiln synth shape (default tinyllama-1.1b; llama-3.2-1b, small)
#   --types   quant types to compare (default "Q4_0 Q8_0 Q4_K_M"; llama-quantize's default mixes)
#   -t        thread counts, space-separated (default "2 1": llama.cpp's tg through node reads low at
#             -t 2 on a 2-core machine, see bench/llamacpp-bench.mjs; compare tg at -t 1 too)
#   --dir     where the synthetic files live (default bench/models; made with kiln synth when missing)
#
# Needs: JDK 25 + Maven (for ./kiln), node and node-llama-cpp 3.22.1. Install the latter once:
#   mkdir -p ~/llamacpp && cd ~/llamacpp && npm init -y >/dev/null && npm install node-llama-cpp@3.22.1
# (or point NODE_PATH at another node_modules holding it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SHAPE=tinyllama-1.1b
TYPES="Q4_0 Q8_0 Q4_K_M"
P=128
N=64
THREADS="2 1"
R=3
DIR="$ROOT/bench/models"
BACKEND=""
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
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

export NODE_PATH="${NODE_PATH:-$HOME/llamacpp/node_modules}"
command -v node >/dev/null || { echo "compare.sh: node is needed for the llama.cpp side" >&2; exit 1; }
if ! node -e "require(require('path').join(process.env.NODE_PATH, 'node-llama-cpp/package.json'))" 2>/dev/null; then
  echo "compare.sh: node-llama-cpp not found in NODE_PATH=$NODE_PATH; install it (see --help)" >&2
  exit 1
fi

mkdir -p "$DIR"
KILN="${KILN:-$ROOT/kiln}" # the kiln launcher (override to run another build)
field() { # field JSON PATH: a value from a one-line JSON object, e.g. field "$j" pp.mean
  node -e 'let v = JSON.parse(process.argv[1]); for (const k of process.argv[2].split(".")) v = v == null ? v : v[k]; console.log(v == null ? "-" : v)' "$1" "$2"
}
ratio() { node -e 'const [a, b] = process.argv.slice(1).map(Number); console.log(a > 0 && b > 0 ? (a / b).toFixed(2) : "-")' "$1" "$2"; }

CPU="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || uname -m)"
echo "Kiln vs llama.cpp (node-llama-cpp $(node -e "console.log(require(require('path').join(process.env.NODE_PATH, 'node-llama-cpp/package.json')).version)")),"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $CPU; shape $SHAPE, pp$P, tg$N, $R runs each (mean ± sd, tokens/s)"
echo
echo "| model | threads | Kiln pp$P | llama.cpp pp$P | pp ratio | Kiln tg$N | llama.cpp tg$N | tg ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for TYPE in $TYPES; do
  FILE="$DIR/$SHAPE-$TYPE.gguf"
  if [[ ! -s "$FILE" ]]; then
    echo "compare.sh: writing $FILE with kiln synth" >&2
    "$KILN" synth --shape "$SHAPE" --type "$TYPE" -o "$FILE" >&2
  fi
  for T in $THREADS; do
    K="$("$KILN" bench -m "$FILE" -p "$P" -n "$N" -t "$T" -r "$R" ${BACKEND:+--backend "$BACKEND"} --json)"
    L="$(node "$ROOT/bench/llamacpp-bench.mjs" "$FILE" -p "$P" -n "$N" -t "$T" -r "$R" | tail -1)"
    echo "kiln: $K" >&2
    echo "llama.cpp: $L" >&2
    printf '| %s %s | %s | %s ± %s | %s ± %s | %s | %s ± %s | %s ± %s | %s |\n' "$SHAPE" "$TYPE" "$T" \
      "$(field "$K" pp.mean)" "$(field "$K" pp.sd)" "$(field "$L" pp.mean)" "$(field "$L" pp.sd)" \
      "$(ratio "$(field "$K" pp.mean)" "$(field "$L" pp.mean)")" \
      "$(field "$K" tg.mean)" "$(field "$K" tg.sd)" "$(field "$L" tg.mean)" "$(field "$L" tg.sd)" \
      "$(ratio "$(field "$K" tg.mean)" "$(field "$L" tg.mean)")"
  done
done
