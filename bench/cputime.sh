#!/usr/bin/env bash
# The vector backend's matvec per weight type in thread CPU time (see MatvecCpuTime), one JVM per
# type, the types alternating for REPS repetitions, then each type's median and its time per
# weight byte relative to the first type:
#
#   bench/cputime.sh [-c COLS] [-r REPS] Q4_K Q5_0 IQ4_XS
#
# For comparisons on a busy machine, where JMH's wall-clock figures (bench/run.sh) swing widely.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cols=2048 reps=3
while getopts c:r: o; do case $o in c) cols=$OPTARG ;; r) reps=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[[ $# -gt 0 ]] || { echo "usage: bench/cputime.sh [-c COLS] [-r REPS] TYPE..." >&2; exit 2; }
if [[ "${KILN_BENCH_SKIP_BUILD:-}" != 1 ]]; then
  (cd "$root" && mvn -B -q -o -pl bench -am package -DskipTests \
      dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >/dev/null)
fi
cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for ((r = 0; r < reps; r++)); do
  for t in "$@"; do
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$cp" dev.kiln.bench.MatvecCpuTime "$t" "$cols" 9 \
        2>/dev/null | tee -a "$results"
  done
done
python3 - "$results" "$@" <<'PY'
import statistics, sys
lines = open(sys.argv[1]).read().split("\n")
types = sys.argv[2:]
med = {t: statistics.median(float(l.split(": ")[1].split()[0]) for l in lines if l.startswith(t + " ")) for t in types}
for t in types:
    print(f"{t:8} {med[t]:6.2f} GB/s  time per weight byte {med[types[0]] / med[t]:.2f}x {types[0]}'s")
PY
