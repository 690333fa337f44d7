#!/usr/bin/env bash
# HTTP load test of one endpoint with Tally tracking on and off, in the same run.
# Starts HttpLoadApp (tracking on, then off, alternating ROUNDS times) on loopback and drives it with wrk.
# Usage: tally-benchmarks/http-load.sh [ROUNDS] [DURATION] [CONNECTIONS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
DURATION=${2:-20s}
CONNECTIONS=${3:-32}
THREADS=${4:-1}
PORT=18087
OUT=tally-benchmarks/target/http-load
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

./mvnw -B -q -ntp -pl tally-benchmarks -am install -DskipTests -Dspotless.check.skip
./mvnw -B -q -ntp -pl tally-benchmarks dependency:build-classpath -Dmdep.outputFile=target/cp.txt
CP="tally-benchmarks/target/classes:$(cat tally-benchmarks/target/cp.txt)"

run() { # $1 = on|off, $2 = round
  local enabled=true; [ "$1" = off ] && enabled=false
  local work; work=$(mktemp -d)
  java -Xms512m -Xmx512m -cp "$CP" dev.tally.benchmarks.http.HttpLoadApp \
    --server.port=$PORT --tally.enabled=$enabled \
    --tally.store.url="jdbc:sqlite:$work/tally.db" --tally.pipeline.spool-directory="$work/spool" \
    --logging.level.root=WARN --spring.main.banner-mode=off >"$OUT/app-$1-$2.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/answer" >/dev/null 2>&1 && break; sleep 0.5; done
  # Warm-up long enough for the JIT: with 10 s, C2 was still compiling during the measurement.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d30s "http://127.0.0.1:$PORT/answer?user=u1&q=hello" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/answer?user=u1&q=hello" \
    | tee "$OUT/wrk-$1-$2.txt"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}

for r in $(seq 1 "$ROUNDS"); do run on "$r"; run off "$r"; done

python3 - "$OUT" "$ROUNDS" <<'PY'
import re, sys, statistics
out, rounds = sys.argv[1], int(sys.argv[2])
def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def ms(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    return rps, ms(50), ms(99)
res = {k: [parse(f"{out}/wrk-{k}-{r}.txt") for r in range(1, rounds + 1)] for k in ("on", "off")}
for k in ("on", "off"):
    rps = [x[0] for x in res[k]]; p50 = [x[1] for x in res[k]]; p99 = [x[2] for x in res[k]]
    print(f"tracking {k:3}: req/s {statistics.mean(rps):10.0f} (runs {', '.join(f'{v:.0f}' for v in rps)})"
          f"  p50 {statistics.mean(p50):.3f} ms  p99 {statistics.mean(p99):.3f} ms")
on = [x for x in res["on"]]; off = [x for x in res["off"]]
ratio = statistics.mean(x[0] for x in on) / statistics.mean(x[0] for x in off)
added = statistics.mean(x[2] for x in on) - statistics.mean(x[2] for x in off)
print(f"throughput ratio on/off: {ratio:.3f}   p99 added: {added:+.3f} ms")
PY
