#!/usr/bin/env bash
# Runs Kiln's JMH kernel benchmarks (scalar/vector pairs) and prints GB/s of weights streamed
# and GFLOP/s next to JMH's ops/s.
#
#   bench/run.sh                                  # everything (about 10 minutes)
#   bench/run.sh 'MatvecBenchmark.matvecQ4_0.*'   # a subset: any JMH regex and options
#   bench/run.sh 'Matvec.*Q8_0.*' -p threads=2 -p cols=2048
#
# Benchmarks are not tests: `mvn verify` never runs them. Numbers taken while other builds run
# on the same cores are noisy; compare scalar and vector from the same run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
java="$JAVA_HOME/bin/java"

if [[ "${KILN_BENCH_SKIP_BUILD:-}" != 1 ]]; then
  (cd "$root" && mvn -B -q -o -pl bench -am package -DskipTests \
      dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >/dev/null)
fi
cp="$here/target/classes:$(cat "$here/target/classpath.txt")"
out="$here/target/jmh-result.json"

"$java" --add-modules jdk.incubator.vector -cp "$cp" org.openjdk.jmh.Main \
    -jvmArgsPrepend "-cp $cp" -rf json -rff "$out" "$@"

python3 "$here/report.py" "$out"
