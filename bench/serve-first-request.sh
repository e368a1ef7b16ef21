#!/usr/bin/env bash
# The first request to a freshly started `kiln serve`, with and without its warm-up run: the time
# from starting the server until /health answers 200 ("ready"), then the wall time of two
# identical /v1/completions requests (greedy, a 30-token prompt, max_tokens N) as curl measures
# them: the first one pays whatever the JIT has not compiled yet, the second is the warm figure.
# Starts alternate between the default (warm-up) and --no-warmup, R times each.
#
# Usage: bench/serve-first-request.sh [-r 3] [-n 1] [-t THREADS] MODEL.gguf
# KILN=... runs another launcher. Needs curl. Load average printed before and after.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KILN="${KILN:-$ROOT/kiln}"
R=3
N=1
THREADS=()
MODEL=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -r) R="$2"; shift 2 ;;
    -n) N="$2"; shift 2 ;;
    -t) THREADS=(-t "$2"); shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "serve-first-request.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) MODEL="$1"; shift ;;
  esac
done
[[ -n "$MODEL" ]] || { echo "serve-first-request.sh: give a MODEL.gguf" >&2; exit 2; }
command -v curl >/dev/null || { echo "serve-first-request.sh: curl is needed" >&2; exit 1; }

work="$(mktemp -d)"
pid=
cleanup() { [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
body="{\"prompt\": \"Once upon a time, in a small village at the edge of a great forest, there lived a girl who loved to read books about the stars.\", \"max_tokens\": $N, \"temperature\": 0}"

# one start: prints "ready_ms first_s second_s"
run() {
  local start url=""
  start=$(date +%s%N)
  "$KILN" serve -m "$MODEL" --port 0 "${THREADS[@]}" "$@" > /dev/null 2> "$work/err" &
  pid=$!
  for _ in $(seq 1200); do
    url="$(sed -n 's/^kiln: listening on \(http:[^,]*\),.*/\1/p' "$work/err")"
    [[ -n "$url" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
    sleep 0.05
  done
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health")" == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
    sleep 0.02
  done
  local ready=$(( ($(date +%s%N) - start) / 1000000 ))
  local first second
  first=$(curl -sf -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -d "$body" "$url/v1/completions")
  second=$(curl -sf -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -d "$body" "$url/v1/completions")
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
  echo "$ready $first $second"
}

echo "kiln serve's first request, $(basename "$MODEL"), max_tokens $N, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| start | ready ms | first request s | second request s |"
echo "| --- | ---: | ---: | ---: |"
for _ in $(seq "$R"); do
  read -r ready first second < <(run)
  echo "| warm-up | $ready | $first | $second |"
  read -r ready first second < <(run --no-warmup)
  echo "| --no-warmup | $ready | $first | $second |"
done
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
