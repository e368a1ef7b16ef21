#!/usr/bin/env bash
# Fuzzes Kiln's Jazzer targets (JAZZER_FUZZ=1), one target at a time, each for DURATION, and
# prints per target: inputs executed, time, findings. `mvn verify` only replays the committed
# inputs (regression mode); this is the long run.
#
#   tools/fuzz-long.sh [-d DURATION] [-t SECONDS] [TARGET...]
#
# DURATION is Jazzer's (e.g. 10m, 1h; default 10m). -t: an input running longer than SECONDS
# is a hang finding (default 10). TARGET: a name from the list in this script (default: all).
# Extra mvn options: MVN_ARGS (e.g. MVN_ARGS=-o). Logs: target/fuzz-long/TARGET.log.
#
# jazzer.hooks=true: the build turns Jazzer's agent off for the regression runs of mvn verify,
# but fuzzing needs its coverage instrumentation.
# libFuzzer flags reach Jazzer's JUnit integration only as the configuration parameters
# jazzer.internal.arg.N (argv0 first); a JUnit timeout would instead fail the whole fuzzing run.
# Jazzer keeps going after a finding (up to 100 distinct ones) and saves each input into the
# target's Inputs folder under src/test/resources (crash-<sha1>, timeout-<sha1>), which makes it
# a regression test of the next `mvn verify`: fix the code, rename the file to say what it is,
# commit it. libFuzzer's own corpus grows in MODULE/.cifuzz-corpus/ (not committed; a normal
# `mvn verify` on this machine replays it too; delete it to start again from the seeds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# name  module  test class#method
TARGETS=(
  "gguf-reader     format-gguf    dev.kiln.format.gguf.GgufReaderFuzzTest#openAndRewrite"
  "tokenizer-spm   tokenizer-bpe  dev.kiln.tokenizer.bpe.TokenizerFuzzTest#llamaSpm"
  "tokenizer-gpt2  tokenizer-bpe  dev.kiln.tokenizer.bpe.TokenizerFuzzTest#gpt2"
  "tokenizer-llama3 tokenizer-bpe dev.kiln.tokenizer.bpe.TokenizerFuzzTest#llama3"
  "tokenizer-vocab tokenizer-bpe  dev.kiln.tokenizer.bpe.VocabularyFuzzTest#buildAndTokenize"
  "chat-template   runtime        dev.kiln.runtime.generate.ChatTemplateFuzzTest#applyTemplate"
)
# to come: the server's request parsing, once the server exists

duration=10m
timeout=10
while getopts "d:t:h" opt; do
  case $opt in
    d) duration=$OPTARG ;;
    t) timeout=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; echo 'targets:'; printf '  %s\n' "${TARGETS[@]}"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
wanted=("$@")

java_version() {
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  echo "${v%%.*}" | grep -E '^[0-9]+$' || echo 0
}
if [[ -z "${JAVA_HOME:-}" || $(java_version "$JAVA_HOME/bin/java") -lt 25 ]]; then
  for d in /usr/lib/jvm/*25*/ /usr/lib/jvm/*-2[5-9]*/; do
    if [[ -x "$d/bin/java" && $(java_version "$d/bin/java") -ge 25 ]]; then export JAVA_HOME="${d%/}"; break; fi
  done
fi
[[ -n "${JAVA_HOME:-}" ]] || { echo "fuzz-long: JDK 25 or newer is required; set JAVA_HOME" >&2; exit 1; }

selected=()
for t in "${TARGETS[@]}"; do
  read -r name module test <<<"$t"
  if [[ ${#wanted[@]} -eq 0 ]] || printf '%s\n' "${wanted[@]}" | grep -qx "$name"; then selected+=("$t"); fi
done
[[ ${#selected[@]} -gt 0 ]] || { echo "fuzz-long: no such target: ${wanted[*]}" >&2; exit 2; }

logs="$ROOT/target/fuzz-long"
mkdir -p "$logs"
cd "$ROOT"
modules="$(for t in "${selected[@]}"; do read -r _ m _ <<<"$t"; echo "$m"; done | sort -u | paste -sd,)"
echo "fuzz-long: building $modules and what they need"
# shellcheck disable=SC2086
mvn -B -q ${MVN_ARGS:-} -DskipTests install -pl "$modules" -am > "$logs/build.log" 2>&1 \
  || { tail -30 "$logs/build.log" >&2; echo "fuzz-long: build failed ($logs/build.log)" >&2; exit 1; }

summary=()
failed=0
for t in "${selected[@]}"; do
  read -r name module test <<<"$t"
  log="$logs/$name.log"
  echo "fuzz-long: $name ($test) for $duration ..."
  start=$(date +%s)
  status=0
  # the heap is capped so that an input making the code allocate far more than it is shows up as OutOfMemoryError
  # shellcheck disable=SC2086
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="$duration" JAZZER_KEEP_GOING=100 \
    mvn -B ${MVN_ARGS:-} -pl "$module" surefire:test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.hooks=true -Dkiln.test.jvmArgs="-Xmx1g -XX:-OmitStackTraceInFastThrow" \
      -Djazzer.internal.arg.0=fuzz-long -Djazzer.internal.arg.1=-timeout="$timeout" \
      > "$log" 2>&1 || status=$?
  secs=$(( $(date +%s) - start ))
  runs="$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 inputs in \2 s/p' "$log" | tail -1)"
  findings="$(grep -cE '^== Java Exception|^==[0-9]+== ERROR: libFuzzer: timeout|^== libFuzzer crashing input ==' "$log" || true)"
  saved="$(grep -oE '(crash|timeout|slow-unit|oom)-[0-9a-f]{40}' "$log" | sort -u | paste -sd' ' || true)"
  line="$name: ${runs:-no libFuzzer summary (see $log)}; wall ${secs} s; findings: $findings${saved:+ ($saved)}"
  [[ $status -eq 0 ]] || { line+="; mvn exit $status"; failed=1; }
  echo "fuzz-long: $line"
  summary+=("$line")
done

echo "fuzz-long: summary ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
printf '  %s\n' "${summary[@]}"
exit $failed
