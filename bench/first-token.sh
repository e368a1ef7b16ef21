#!/usr/bin/env bash
# Open + first token from process start, as a user runs Kiln: the wall time of
# `kiln generate -m FILE -p "Once upon a time" -n 1 --temp 0` (JVM start, model open, the 5-token
# prompt, the first token, exit), and its peak resident memory (GNU time's maximum resident set
# size of the launcher's process tree = the JVM's VmHWM, file-backed pages of the mapped model and
# packed-weights cache included). Each file is run with the JVM's ahead-of-time cache (the
# launcher's default) and without it (KILN_AOT=off), interleaved, R times each; the packed-weights
# cache is warm (a first, unmeasured start writes it). Prints a markdown table (medians); the
# process CPU time (user + system) is given too, as it is less sensitive to a busy machine.
#
# Usage: bench/first-token.sh [-r 5] [-t 1] MODEL.gguf...
# KILN=... runs another launcher. Load average printed before and after; on a busy machine the
# absolute times mean little, the same-run comparison a little more.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KILN="${KILN:-$ROOT/kiln}"
R=5
T=1
FILES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -r) R="$2"; shift 2 ;;
    -t) T="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "first-token.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) FILES+=("$1"); shift ;;
  esac
done
[[ ${#FILES[@]} -gt 0 ]] || { echo "first-token.sh: give at least one MODEL.gguf" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "first-token.sh: GNU time (/usr/bin/time) is needed for peak resident memory" >&2; exit 1; }

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/kiln-first-token.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# one start: "<ms> <peak KiB> <cpu s>"
start() {
  local file="$1" aot="$2" s e
  s=$(date +%s%N)
  KILN_AOT="$aot" /usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$KILN" generate -m "$file" -p "Once upon a time" -n 1 -t "$T" \
    --temp 0 >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  e=$(date +%s%N)
  echo "$(( (e - s) / 1000000 )) $(tail -1 "$tmp/rss" | awk '{print $1, $2 + $3}')"
}

echo "Open + first token from process start (kiln generate -n 1, $T thread(s), median of $R), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average $(load) at the start"
echo
echo "| model | file MiB | with AOT cache ms | without ms | CPU s with | CPU s without | peak resident MiB (with) | over the file |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for FILE in "${FILES[@]}"; do
  start "$FILE" on >/dev/null # writes the packed-weights cache and warms the page cache
  : >"$tmp/on"; : >"$tmp/off"
  for ((i = 0; i < R; i++)); do
    start "$FILE" on >>"$tmp/on"
    start "$FILE" off >>"$tmp/off"
  done
  mib=$(awk -v b="$(stat -c %s "$FILE")" 'BEGIN {printf "%.1f", b / 1048576}')
  on=$(cut -d' ' -f1 "$tmp/on" | median)
  off=$(cut -d' ' -f1 "$tmp/off" | median)
  cpu_on=$(cut -d' ' -f3 "$tmp/on" | median)
  cpu_off=$(cut -d' ' -f3 "$tmp/off" | median)
  rss=$(( $(cut -d' ' -f2 "$tmp/on" | median | cut -d. -f1) / 1024 ))
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(basename "$FILE" .gguf)" "$mib" "$on" "$off" "$cpu_on" "$cpu_off" "$rss" \
    "$(awk -v r="$rss" -v f="$mib" 'BEGIN {if (f >= 1) printf "%+.1f %%", (r - f) * 100 / f; else print "-"}')"
done
echo
echo "load average $(load) at the end"
