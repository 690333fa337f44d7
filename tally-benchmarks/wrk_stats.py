"""Reads one run written by http-load.sh or http-paired.sh: wrk --latency output followed by an
"app-cpu-ticks N hz H" line (the app's CPU time over the run, from /proc/PID/stat)."""
import re
import sys


def parse(path):
    """Returns (requests per second, p50 ms, p99 ms, app CPU microseconds per request); exits when
    any response was not 2xx/3xx, since such a run measures errors, not tracking."""
    text = open(path).read()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if errors:
        sys.exit(f"{path}: {errors.group(1)} failed responses")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    reqs = int(re.search(r"(\d+) requests in", text).group(1))
    ticks, hz = map(int, re.search(r"app-cpu-ticks (\d+) hz (\d+)", text).groups())

    def ms(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v

    return rps, ms(50), ms(99), ticks / hz * 1e6 / reqs
