#!/usr/bin/env bash
# HTTP load test of one endpoint with Tally tracking on and off, in the same run.
# Starts HttpLoadApp once per mode and round on loopback and drives it with wrk; modes alternate.
# Usage: tally-benchmarks/http-load.sh [ROUNDS] [DURATION] [CONNECTIONS] [THREADS]
# Environment:
#   ENDPOINT  answer (default: a trivial JSON answer, the worst case for relative overhead)
#             or chat (counts the prompt's tokens with jtokkit, as the reference server's echo model)
#   MODES     default "on off"; add "discard" for tracking on with a sink that discards (the
#             request-path cost without the ledger's)
#   WARMUP    wrk warm-up before each measured run, default 30s (the tracked app compiles more
#             code; 90s leaves its JIT idle during the measurement)
#   PACE_MS   when set, each connection waits this many ms between requests (a wrk Lua delay), so
#             the offered load is below saturation and p99 shows latency, not CPU queueing
#   APP_ARGS  extra arguments for the app in every mode, e.g. "--tally.pipeline.batch-size=2000"
#   ON_ARGS   extra arguments for the app in the on and discard modes only
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
DURATION=${2:-20s}
CONNECTIONS=${3:-32}
THREADS=${4:-1}
ENDPOINT=${ENDPOINT:-answer}
MODES=${MODES:-on off}
PORT=18087
OUT=tally-benchmarks/target/http-load
mkdir -p "$OUT"
source tally-benchmarks/http-common.sh
URL_PATH="/$QUERY"

run() { # $1 = on|off|discard, $2 = round
  local enabled=true discard=false
  [ "$1" = off ] && enabled=false
  [ "$1" = discard ] && discard=true
  local work; work=$(mktemp -d)
  java -Xms512m -Xmx512m -cp "$CP" dev.tally.benchmarks.http.HttpLoadApp \
    --server.port=$PORT --tally.enabled=$enabled --bench.discard-sink=$discard \
    --tally.store.url="jdbc:sqlite:$work/tally.db" --tally.pipeline.spool-directory="$work/spool" \
    --logging.level.root=WARN --spring.main.banner-mode=off ${APP_ARGS:-} \
    $([ "$1" != off ] && echo "${ON_ARGS:-}") >"$OUT/app-$1-$2.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT$URL_PATH" >/dev/null 2>&1 && break; sleep 0.5; done
  # Warm-up long enough for the JIT: with 10 s, C2 was still compiling during the measurement.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP:-30s}" "http://127.0.0.1:$PORT$URL_PATH" >/dev/null
  # The app's CPU time over the measured run (utime + stime, all threads, clock ticks): divided by
  # the requests served it gives CPU per request, steadier than throughput on a shared VM.
  local before; before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${PACE[@]}" "http://127.0.0.1:$PORT$URL_PATH" \
    | tee "$OUT/wrk-$1-$2.txt"
  echo "app-cpu-ticks $(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - before )) hz $(getconf CLK_TCK)" \
    | tee -a "$OUT/wrk-$1-$2.txt"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}

for r in $(seq 1 "$ROUNDS"); do for m in $MODES; do run "$m" "$r"; done; done

python3 - "$OUT" "$ROUNDS" "$MODES" <<'PY'
import sys, statistics
out, rounds, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
sys.path.insert(0, "tally-benchmarks")
from wrk_stats import parse
res = {k: [parse(f"{out}/wrk-{k}-{r}.txt") for r in range(1, rounds + 1)] for k in modes}
for k in modes:
    rps = [x[0] for x in res[k]]; p50 = [x[1] for x in res[k]]; p99 = [x[2] for x in res[k]]
    cpu = [x[3] for x in res[k]]
    print(f"tracking {k:7}: req/s {statistics.mean(rps):10.0f} (runs {', '.join(f'{v:.0f}' for v in rps)})"
          f"  p50 {statistics.mean(p50):.3f} ms  p99 {statistics.mean(p99):.3f} ms"
          f"  app CPU/request {statistics.mean(cpu):.1f} us (runs {', '.join(f'{v:.1f}' for v in cpu)})")
off = res.get("off")
if off:
    for k in modes:
        if k == "off":
            continue
        ratio = statistics.mean(x[0] for x in res[k]) / statistics.mean(x[0] for x in off)
        added = statistics.mean(x[2] for x in res[k]) - statistics.mean(x[2] for x in off)
        cpu_ratio = statistics.mean(x[3] for x in off) / statistics.mean(x[3] for x in res[k])
        print(f"{k}/off throughput ratio: {ratio:.3f}   p99 added: {added:+.3f} ms"
              f"   CPU-per-request ratio off/{k}: {cpu_ratio:.3f}")
PY
