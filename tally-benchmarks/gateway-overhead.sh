#!/usr/bin/env bash
# The gateway's added latency in ONE run: GatewayLoad starts a fake OpenAI upstream answering after
# a fixed delay (20 ms), starts the tally-server jar with that upstream configured, and alternates
# the same chat completions sent directly to the upstream and through the gateway (/v1), plain and
# streamed: open loop at RATE req/s (latency from the intended send time), then closed loop at
# saturation (CONCURRENCY clients). Prints each phase and a summary: p50/p99 added, the gateway's
# own x-tally-overhead-ms, server CPU per request, the throughput ratio, with the load average.
# Usage: tally-benchmarks/gateway-overhead.sh [key=value ...]
#   rate (500), seconds (20), rounds (3), warmup (30), concurrency (64), saturation (15),
#   delay (20), port (18391), jvm ("" : extra JVM flags of the server, e.g. a JFR recording),
#   workers (64: open-loop senders, each with its own kept-alive connection),
#   servercpus ("": taskset core list for the server, e.g. 1), harnesscpus ("": the same for the
#   load generator and fake upstream, e.g. 0). Both empty: every process may use every core.
#   samples ("": a file for every measured open-loop request: phase, round, intended send time in
#   epoch microseconds, latency, x-tally-overhead-ms), saturation=0 skips the closed-loop phases.
#   Attributing the tail: jvm='-Xlog:gc*,safepoint:file=/tmp/gw-gc.log:time,uptime' samples=/tmp/s.tsv
#   floors ("": comma-separated baseline proxies measured beside the gateway in the same rounds:
#   bare = BareProxy, JDK blocking sockets, the floor of one more hop; spring = SpringProxy, Tomcat
#   + Spring MVC + the gateway's Apache HttpClient, without Tally), floorjvm ("": their extra JVM
#   flags). They listen on port+1, port+2; spring needs tally-benchmarks/target/cp.txt (package
#   writes it).
# Environment: SKIP_BUILD=1 to reuse the built jar and classes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -ntp -pl tally-server,tally-benchmarks -am package -DskipTests -Dspotless.check.skip
fi
uptime
pin=()
cp=tally-benchmarks/target/classes
for a in "$@"; do
  case "$a" in
    harnesscpus=?*) pin=(taskset -c "${a#harnesscpus=}") ;;
    floors=*spring*) cp="$cp:$(cat tally-benchmarks/target/cp.txt)" ;; # SpringProxy's class path
  esac
done
exec "${pin[@]}" java -cp "$cp" dev.tally.benchmarks.gateway.GatewayLoad \
  tally-server/target/tally-server-0.1.0-SNAPSHOT.jar \
  rate=500 seconds=20 rounds=3 warmup=30 concurrency=64 saturation=15 port=18391 "$@"
