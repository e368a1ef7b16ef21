#!/usr/bin/env bash
# Same-run comparison of Kiln with llama.cpp (node-llama-cpp's prebuilt CPU build from npm) on the
# same GGUF files: prompt processing (pp) and token generation (tg) tokens/s from `kiln bench --json`
# and bench/llamacpp-bench.mjs, run back to back per file and thread count, and the ratio
# Kiln / llama.cpp, as a markdown table ready for the README.
#
# Usage: bench/compare.sh [--shape SHAPE] [--types "Q4_0 Q8_0 Q4_K_M"] [-p 128] [-n 64] [-t "2 1"] [-r 3]
#                         [--dir DIR] [--backend NAME] [MODEL.gguf...]
#   MODEL.gguf  files to compare; without any, the synthetic files of --shape/--types in --dir
#   --shape     kiln synth shape (default tinyllama-1.1b; llama-3.2-1b, small)
#   --types     quant types (default "Q4_0 Q8_0 Q4_K_M", with llama-quantize's default mixes)
#   --dir       where the synthetic files live (default bench/models; written with kiln synth when missing)
#   -t          thread counts, space-separated (default "2 1": llama.cpp's tg through node reads low
#               at -t 2 on a 2-core machine, see bench/llamacpp-bench.mjs; compare tg at -t 1 too)
#
# Ratios are only meaningful within one run on an otherwise idle machine: other processes on the
# cores slow both sides, multi-threaded runs far more than single-threaded ones.
# Needs: JDK 25 + Maven (for ./kiln; KILN=... runs another launcher), node and node-llama-cpp
# 3.22.1, installed once with
#   mkdir -p ~/llamacpp && cd ~/llamacpp && npm init -y >/dev/null && npm install node-llama-cpp@3.22.1
# (or point NODE_PATH at another node_modules holding it; LLAMACPP_BENCH at another script).
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
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) FILES+=("$1"); shift ;;
  esac
done

export NODE_PATH="${NODE_PATH:-$HOME/llamacpp/node_modules}"
LLAMACPP="${LLAMACPP_BENCH:-$ROOT/bench/llamacpp-bench.mjs}"
KILN="${KILN:-$ROOT/kiln}"
command -v node >/dev/null || { echo "compare.sh: node is needed for the llama.cpp side" >&2; exit 1; }
[[ -f "$LLAMACPP" ]] || { echo "compare.sh: $LLAMACPP not found (set LLAMACPP_BENCH)" >&2; exit 1; }
if ! node -e "require(require('path').join(process.env.NODE_PATH, 'node-llama-cpp/package.json'))" 2>/dev/null; then
  echo "compare.sh: node-llama-cpp not found in NODE_PATH=$NODE_PATH; install it (see --help)" >&2
  exit 1
fi

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
  node -e 'let v = JSON.parse(process.argv[1]); for (const k of process.argv[2].split(".")) v = v == null ? v : v[k]; console.log(v == null ? "-" : v)' "$1" "$2"
}
ratio() { node -e 'const [a, b] = process.argv.slice(1).map(Number); console.log(a > 0 && b > 0 ? (a / b).toFixed(2) + "×" : "-")' "$1" "$2"; }

CPU="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || uname -m)"
echo "Kiln vs llama.cpp (node-llama-cpp $(node -e "console.log(require(require('path').join(process.env.NODE_PATH, 'node-llama-cpp/package.json')).version)")),"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $CPU, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?');"
echo "pp$P, tg$N, $R runs each after one warm-up (mean ± sd, tokens/s)"
echo
echo "| model | threads | Kiln pp$P | llama.cpp pp$P | pp ratio | Kiln tg$N | llama.cpp tg$N | tg ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
MEMORY=()
for FILE in "${FILES[@]}"; do
  for T in $THREADS; do
    K="$("$KILN" bench -m "$FILE" -p "$P" -n "$N" -t "$T" -r "$R" ${BACKEND:+--backend "$BACKEND"} --json | tail -1)"
    L="$(node "$LLAMACPP" "$FILE" -p "$P" -n "$N" -t "$T" -r "$R" | tail -1)"
    echo "kiln: $K" >&2
    echo "llama.cpp: $L" >&2
    printf '| %s | %s | %s ± %s | %s ± %s | %s | %s ± %s | %s ± %s | %s |\n' "$(basename "$FILE" .gguf)" "$T" \
      "$(field "$K" pp.mean)" "$(field "$K" pp.sd)" "$(field "$L" pp.mean)" "$(field "$L" pp.sd)" \
      "$(ratio "$(field "$K" pp.mean)" "$(field "$L" pp.mean)")" \
      "$(field "$K" tg.mean)" "$(field "$K" tg.sd)" "$(field "$L" tg.mean)" "$(field "$L" tg.sd)" \
      "$(ratio "$(field "$K" tg.mean)" "$(field "$L" tg.mean)")"
    MEMORY+=("$(printf '| %s | %s | %s | %s | %s | %s | %s |' "$(basename "$FILE" .gguf)" "$T" "$(field "$K" load_ms)" \
      "$(field "$K" first_token_ms)" "$(field "$K" file_mib)" "$(field "$K" peak_rss_mib)" "$(field "$K" peak_heap_mib)")")
  done
done
# issue 5's other targets, Kiln side: open + first token of a 1-token prompt < 1 s,
# peak resident ≤ file + 15 %, heap ≤ 512 MB
echo
echo "| model | threads | Kiln load ms | Kiln open + first token ms | file MiB | Kiln peak resident MiB | Kiln peak heap MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${MEMORY[@]}"
