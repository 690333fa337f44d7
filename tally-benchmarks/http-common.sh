# Shared by http-load.sh and http-paired.sh (sourced, after OUT is set): installs wrk when missing,
# sets QUERY for ENDPOINT, builds unless SKIP_BUILD, sets CP (the app's classpath) and PACE (wrk's
# Lua delay arguments when PACE_MS is set).
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

PROMPT="Please%20summarise%20the%20refund%20policy%20for%20annual%20plans%20bought%20in%20another%20currency%2C%20including%20how%20prorated%20refunds%20are%20computed%2C%20which%20fees%20are%20kept%2C%20how%20long%20the%20refund%20takes%20to%20arrive%2C%20and%20what%20the%20customer%20should%20do%20if%20the%20invoice%20shows%20a%20different%20amount%20than%20the%20card%20statement.%20Answer%20in%20three%20short%20paragraphs."
case "${ENDPOINT:-answer}" in
  answer) QUERY="answer?user=u1&q=hello" ;;
  chat) QUERY="chat?user=u1&message=$PROMPT" ;;
  *) echo "ENDPOINT must be answer or chat" >&2; exit 2 ;;
esac

if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -ntp -pl tally-benchmarks -am install -DskipTests -Dspotless.check.skip
  ./mvnw -B -q -ntp -pl tally-benchmarks dependency:build-classpath -Dmdep.outputFile=target/cp.txt
fi
CP="tally-benchmarks/target/classes:$(cat tally-benchmarks/target/cp.txt)"
PACE=()
if [ -n "${PACE_MS:-}" ]; then
  printf 'function delay()\n  return %s\nend\n' "$PACE_MS" >"$OUT/pace.lua"
  PACE=(-s "$OUT/pace.lua")
fi
