#!/usr/bin/env bash
# SSE load, tracked and untracked streams in ONE run of ONE application, alternating (like
# http-paired.sh). Starts HttpLoadApp once (tracking on, SQLite ledger) and drives, with SseLoad (JDK
# HttpClient, one thread per stream), a tracked streamed echo (/stream: Tally's filter and
# @TrackUsage on a method returning SseEmitter -> one UsageStream per stream, prompt and delivered
# words estimated with chars/4, ledger) and its untracked twin (/plain/stream: the same emitter
# and writer pool, no annotation, a path the filter excludes). Echo with no delay: the message
# back word by word, one SSE event per word.
# Usage: tally-benchmarks/sse-paired.sh [PAIRS] [SECONDS] [CONCURRENCY]
# Short runs and many pairs resolve the ratio: this machine's speed drifts by a third over minutes,
# and a 15 s run that straddles a change reads 0.8 or 1.2; with 1 s runs both twins of a pair see
# the same machine. `sse-paired.sh 150 1 64` (~9 minutes) gave an A/A ratio of 1.010 (95 %
# 0.997..1.023) where 16 pairs of 15 s gave 1.046 +- 0.045. Read the geometric mean and its interval.
# Environment: WARMUP seconds per path, repeated 3 times alternating (default 20); PACE_MS, when
# set, a pause between a client's streams (below saturation: TTFT shows latency, not queueing);
# AA=1 runs the untracked path as both twins (the instrument's own spread); SKIP_BUILD=1 reuses the last build; APP_ARGS extra application arguments; MESSAGES=<text file>
# varies the message: 256 messages of 70 words cut from the file (e.g. MESSAGES=docs/STREAMING.md),
# so the estimator sees varied text, not one message again and again.
# Never runs `mvn install` (the machine's ~/.m2 is shared): builds through the reactor.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${1:-6}
SECONDS_PER_RUN=${2:-15}
CONCURRENCY=${3:-64}
PORT=18089
OUT=tally-benchmarks/target/sse-paired
rm -rf "$OUT" && mkdir -p "$OUT"
if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -ntp -pl tally-benchmarks -am package dependency:build-classpath -DskipTests \
    -Dspotless.check.skip -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime
fi
CP="tally-benchmarks/target/classes:$(cat tally-benchmarks/target/cp.txt)"
# 70 words
MESSAGE="Please%20summarise%20the%20refund%20policy%20for%20annual%20plans%20bought%20in%20another%20currency%2C%20including%20how%20prorated%20refunds%20are%20computed%2C%20which%20fees%20are%20kept%2C%20how%20long%20the%20refund%20takes%20to%20arrive%2C%20and%20what%20the%20customer%20should%20do%20if%20the%20invoice%20shows%20a%20different%20amount%20than%20the%20card%20statement.%20Answer%20in%20three%20short%20paragraphs%20with%20one%20example%20each%2C%20and%20keep%20every%20sentence%20short%20enough%20to%20read%20aloud%20in%20one%20breath."
TRACKED="http://127.0.0.1:$PORT/stream?user=u1&message=$MESSAGE"
PLAIN="http://127.0.0.1:$PORT/plain/stream?user=u1&message=$MESSAGE"
# AA=1: both twins are the untracked path (an A/A run: the spread of the instrument itself)
if [ -n "${AA:-}" ]; then TRACKED="$PLAIN"; fi

work=$(mktemp -d)
java -Xms512m -Xmx512m -cp "$CP" dev.tally.benchmarks.http.HttpLoadApp \
  --server.port=$PORT --server.address=127.0.0.1 \
  --tally.store.url="jdbc:sqlite:$work/tally.db" --tally.pipeline.spool-directory="$work/spool" \
  --logging.level.root=WARN --spring.main.banner-mode=off ${APP_ARGS:-} >"$OUT/app.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -fsN "$TRACKED" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsN "$PLAIN" >/dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" | tee "$OUT/result.txt"
java -Xmx256m -Dclk.tck="$(getconf CLK_TCK)" -Dsse.messages="${MESSAGES:-}" -cp "$CP" dev.tally.benchmarks.http.SseLoad \
  "$TRACKED" "$PLAIN" "$pid" "$CONCURRENCY" "$SECONDS_PER_RUN" "$PAIRS" "${WARMUP:-20}" "${PACE_MS:-0}" \
  | tee -a "$OUT/result.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/result.txt"
