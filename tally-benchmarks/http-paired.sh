#!/usr/bin/env bash
# HTTP load, tracked and untracked requests in ONE run of ONE application, alternating.
# Starts HttpLoadApp once (tracking on) and drives, with wrk on loopback, a tracked endpoint
# (/answer: Tally's filter, @TrackUsage, the pipeline and the SQLite ledger; two events per request)
# and its untracked twin (/plain/answer: the same work, no annotation, a path the filter excludes).
# Runs alternate tracked/untracked in pairs, the order flipping every pair, so slow drift of a shared
# VM (which moved separate runs of one configuration by up to 25 %) cancels within a pair.
# Usage: tally-benchmarks/http-paired.sh [PAIRS] [DURATION] [CONNECTIONS]
# Environment:
#   ENDPOINT  answer (default) or chat
#   MODE      on (default: events into the SQLite ledger) or discard (the sink discards: the
#             request path's cost without the ledger's)
#   WARMUP    warm-up per path, repeated 3 times alternating, default 30s (so 3 minutes in all)
#   PACE_MS   when set, each connection waits this many ms between requests (below saturation)
#   SKIP_BUILD, APP_ARGS as in http-load.sh
# Prints per pair: req/s, p50, p99 and app CPU per request of each path; then the means, the
# throughput ratio and p99 added with their range over the pairs.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${1:-6}
DURATION=${2:-15s}
CONNECTIONS=${3:-32}
ENDPOINT=${ENDPOINT:-answer}
MODE=${MODE:-on}
PORT=18088
OUT=tally-benchmarks/target/http-paired
rm -rf "$OUT" && mkdir -p "$OUT"
source tally-benchmarks/http-common.sh
case "$MODE" in
  on) DISCARD=false ;;
  discard) DISCARD=true ;;
  *) echo "MODE must be on or discard" >&2; exit 2 ;;
esac
TRACKED="http://127.0.0.1:$PORT/$QUERY"
PLAIN="http://127.0.0.1:$PORT/plain/$QUERY"

work=$(mktemp -d)
java -Xms512m -Xmx512m -cp "$CP" dev.tally.benchmarks.http.HttpLoadApp \
  --server.port=$PORT --bench.discard-sink=$DISCARD \
  --tally.store.url="jdbc:sqlite:$work/tally.db" --tally.pipeline.spool-directory="$work/spool" \
  --logging.level.root=WARN --spring.main.banner-mode=off ${APP_ARGS:-} >"$OUT/app.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -fs "$TRACKED" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$PLAIN" >/dev/null

for _ in 1 2 3; do
  for url in "$TRACKED" "$PLAIN"; do
    wrk -t1 -c"$CONNECTIONS" -d"${WARMUP:-30s}" "${PACE[@]}" "$url" >/dev/null
  done
done

# Waits until the app is idle (under 5 % of a core for a second, at most 60 s): the ledger writes
# what a saturated tracked run left queued after wrk stops, and that CPU must not be charged to the
# next run.
settle() {
  local a b s
  for s in $(seq 1 60); do
    a=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sleep 1; b=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    [ $((b - a)) -le $(( $(getconf CLK_TCK) / 20 )) ] && break
  done
  echo "settled in ${s}s" >>"$OUT/settle.log"
}
measure() { # $1 = tracked|plain, $2 = pair
  settle
  local url=$TRACKED; [ "$1" = plain ] && url=$PLAIN
  local before; before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "${PACE[@]}" "$url" >"$OUT/wrk-$1-$2.txt"
  echo "app-cpu-ticks $(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - before )) hz $(getconf CLK_TCK)" \
    >>"$OUT/wrk-$1-$2.txt"
}
for p in $(seq 1 "$PAIRS"); do
  if [ $((p % 2)) -eq 1 ]; then measure tracked "$p"; measure plain "$p"
  else measure plain "$p"; measure tracked "$p"; fi
done

python3 - "$OUT" "$PAIRS" "$ENDPOINT" "$MODE" "${PACE_MS:-}" <<'PY'
import sys, statistics as st
out, pairs, endpoint, mode, pace = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
sys.path.insert(0, "tally-benchmarks")
from wrk_stats import parse
rows = [(parse(f"{out}/wrk-tracked-{p}.txt"), parse(f"{out}/wrk-plain-{p}.txt")) for p in range(1, pairs + 1)]
print(f"endpoint {endpoint}, mode {mode}, {'paced ' + pace + ' ms' if pace else 'saturated'}, {pairs} pairs")
print("pair  tracked req/s  p50 ms  p99 ms  CPU us |  plain req/s  p50 ms  p99 ms  CPU us | ratio  p99 added")
for i, (t, u) in enumerate(rows, 1):
    print(f"{i:4}  {t[0]:13.0f}  {t[1]:6.3f}  {t[2]:6.3f}  {t[3]:6.1f} | {u[0]:12.0f}  {u[1]:6.3f}  {u[2]:6.3f}  {u[3]:6.1f} |"
          f" {t[0] / u[0]:5.3f}  {t[2] - u[2]:+.3f}")
ratios = [t[0] / u[0] for t, u in rows]
added = [t[2] - u[2] for t, u in rows]
cpu = [t[3] - u[3] for t, u in rows]
def mean(i, k): return st.mean(r[k][i] for r in rows)
print(f"mean  {mean(0, 0):13.0f}  {mean(1, 0):6.3f}  {mean(2, 0):6.3f}  {mean(3, 0):6.1f} | {mean(0, 1):12.0f}"
      f"  {mean(1, 1):6.3f}  {mean(2, 1):6.3f}  {mean(3, 1):6.1f}")
print(f"throughput ratio tracked/plain: {st.mean(ratios):.3f} (pairs {min(ratios):.3f}..{max(ratios):.3f})")
print(f"p99 added: {st.mean(added):+.3f} ms (pairs {min(added):+.3f}..{max(added):+.3f})")
print(f"CPU added per request: {st.mean(cpu):+.1f} us (pairs {min(cpu):+.1f}..{max(cpu):+.1f})")
PY
