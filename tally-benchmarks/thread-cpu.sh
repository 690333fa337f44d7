#!/usr/bin/env bash
# CPU seconds per thread name of a running JVM over a window, from /proc (utime + stime), with
# digits folded so pools add up (http-nio-N-exec-N, tally-pipeline-worker-N, ...).
# Usage: tally-benchmarks/thread-cpu.sh PID SECONDS     (run it while the load generator runs)
set -euo pipefail
pid=$1; secs=$2
snap() { for t in /proc/"$pid"/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done; }
before=$(mktemp); after=$(mktemp)
snap >"$before"; sleep "$secs"; snap >"$after"
python3 - "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import collections, re, sys
def load(path):
    d = collections.Counter()
    for line in open(path):
        name, ticks = line.rsplit(" ", 1)
        d[re.sub(r"\d+", "N", name.strip())] += int(ticks)
    return d
a, b, hz = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
total = 0.0
for k in sorted(b, key=lambda k: -(b[k] - a.get(k, 0))):
    d = (b[k] - a.get(k, 0)) / hz
    total += d
    if d > 0.05:
        print(f"{d:7.2f}s {k}")
print(f"{total:7.2f}s total JVM")
PY
rm -f "$before" "$after"
