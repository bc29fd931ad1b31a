#!/usr/bin/env bash
# Measures the API's hot paths against the limits of the same work, side by side in one run, and writes
# bench/results.md and bench/results/latest.json (rows and goals: bench/Loyalty.Bench/Report.cs):
#   catalogue-read     GET /v1/programmes                vs the same bytes from a bare Kestrel endpoint
#   accrual-write      POST /v1/accruals                 vs the very statements it commits, from a bare endpoint
#   accrual-write-single-insert                          the same API figure vs one raw autocommitted INSERT
#   events-feed        GET /v1/events, pages of 100      vs the same SELECT issued raw
#   export-*, ingest-* a million-row export and its handback's ingest vs the same set-based SQL issued raw, and the
#                      peak memory of each (bench/Loyalty.Bench)
# Rounds alternate the two sides so drift on a noisy machine hits both; medians. Everything runs on 127.0.0.1 and
# every load is bounded by wrk's duration. BENCH_* variables size it (make test runs a tiny one to keep it working).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
rounds=${BENCH_ROUNDS:-3}
warm=${BENCH_WARMUP_SECONDS:-10}
export_rows=${BENCH_EXPORT_ROWS:-1000000}
api_port=${BENCH_API_PORT:-5180}
base_port=${BENCH_BASE_PORT:-5181}
out=${BENCH_OUT:-$root/bench}
work=${BENCH_WORK:-$root/.local/bench}
mkdir -p "$work"

command -v wrk >/dev/null || { sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
[[ -n ${BENCH_NO_BUILD:-} ]] || dotnet build Loyalty.sln -c Release --nologo -v quiet -clp:ErrorsOnly

export LOYALTY_DB_DIR=${BENCH_DB_DIR:-$root/.local/mariadb-bench} LOYALTY_DB_NAME=loyalty_bench
export LOYALTY_AWS_DIR=${BENCH_AWS_DIR:-$root/.local/aws-bench}
connection=$(scripts/mariadb.sh start | tail -1)
scripts/local-aws.sh start >/dev/null
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/local-aws.sh stop >/dev/null
  scripts/mariadb.sh stop >/dev/null
}
trap cleanup EXIT

api_dir=$root/app/Loyalty.Api/bin/Release/net10.0
bench_dir=$root/bench/Loyalty.Bench/bin/Release/net10.0
export DOTNET_ENVIRONMENT=Development
export Database__ConnectionString=$connection
export Auth__Issuer=http://127.0.0.1/loyalty-bench-issuer
export Auth__DevelopmentKeyFile=$work/dev-issuer.key
export BankClients__Clients__harbbench=HARB
export RateLimit__PermitsPerSecond=100000 RateLimit__Burst=100000
(cd "$api_dir" && exec dotnet Loyalty.Api.dll --urls "http://127.0.0.1:$api_port" >"$work/api.log" 2>&1) &
pids+=($!)

wait_ready() {
  for _ in $(seq 1 300); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; return 1
}
wait_ready "http://127.0.0.1:$api_port/health/ready"
token=$(cd "$api_dir" && dotnet Loyalty.Api.dll token --bank HARB | tail -1)
curl -fsS "http://127.0.0.1:$api_port/v1/programmes" -H "Authorization: Bearer $token" >"$work/catalogue.json"

(cd "$root/bench/Loyalty.Bench.Baseline/bin/Release/net10.0" && \
  CatalogueFile=$work/catalogue.json ConnectionString=$connection \
  exec dotnet Loyalty.Bench.Baseline.dll --urls "http://127.0.0.1:$base_port" >"$work/baseline.log" 2>&1) &
pids+=($!)
wait_ready "http://127.0.0.1:$base_port/catalogue"
api=http://127.0.0.1:$api_port
base=http://127.0.0.1:$base_port

# One wrk run: prints "requests/s p50-ms p99-ms"; fails the run if any response was not 2xx/3xx.
measure() {
  local out; out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@")
  echo "$out" >>"$work/wrk.log"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then echo "errors in: $*" >&2; grep "Non-2xx" <<<"$out" >&2; exit 1; fi
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%s %.3f %.3f\n", rps, p50, p99 }' <<<"$out"
}
warm_up() { wrk -t2 -c"$connections" -d"${warm}s" "$@" >/dev/null; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { local n=$1; shift; for m in "$@"; do echo "$m" | cut -d' ' -f"$n"; done; }
rows=$work/rows.jsonl
: >"$rows"
# One HTTP row from the rounds' "rps p50 p99" lines of both sides: medians of each; the API's latencies.
http_row() {
  local id=$1 api_runs=$2 base_runs=$3
  local -a a b; read -r -a a <<<"$api_runs"; read -r -a b <<<"$base_runs"
  local -a am=() bm=()
  local i; for ((i = 0; i < ${#a[@]}; i += 3)); do am+=("${a[i]} ${a[i+1]} ${a[i+2]}"); bm+=("${b[i]} ${b[i+1]} ${b[i+2]}"); done
  local rps base_rps p50 p99 base_p50 base_p99
  rps=$(median $(field 1 "${am[@]}")); base_rps=$(median $(field 1 "${bm[@]}"))
  p50=$(median $(field 2 "${am[@]}")); p99=$(median $(field 3 "${am[@]}"))
  base_p50=$(median $(field 2 "${bm[@]}")); base_p99=$(median $(field 3 "${bm[@]}"))
  awk -v id="$id" -v l="$rps" -v b="$base_rps" -v p50="$p50" -v p99="$p99" -v bp50="$base_p50" -v bp99="$base_p99" \
      -v c="$connections" -v s="$seconds" -v r="$rounds" 'BEGIN {
    printf "{\"id\":\"%s\",\"loyalty\":%s,\"baseline\":%s,\"unit\":\"req/s\",\"ratio\":%.3f,\"p50_ms\":%s,\"p99_ms\":%s,\"value\":null,", id, l, b, l / b, p50, p99
    printf "\"note\":\"wrk -c%s, %s s x %s rounds, medians; baseline p50 / p99 %s / %s ms\"}\n", c, s, r, bp50, bp99 }' >>"$rows"
}

# Warm-up of every measured path (JIT tiering, connection pools, InnoDB pages): on two cores tiered
# compilation takes tens of seconds under load, and a cold side would lose for reasons no user sees.
warm_up -H "Authorization: Bearer $token" "$api/v1/programmes"
warm_up "$base/catalogue"
for target in "$api/v1/accruals" "$base/accrual" "$base/insert"; do
  TOKEN=$token RUN="warm-$(date +%s%N)" warm_up -s bench/accrual.lua "$target"
done
cat_api="" cat_base="" acc_api="" acc_base="" ins_base=""
for round in $(seq 1 "$rounds"); do
  cat_api+=" $(measure -H "Authorization: Bearer $token" "$api/v1/programmes")"
  cat_base+=" $(measure "$base/catalogue")"
  acc_api+=" $(TOKEN=$token RUN="r$round-$(date +%s%N)" measure -s bench/accrual.lua "$api/v1/accruals")"
  acc_base+=" $(TOKEN=$token RUN="b$round-$(date +%s%N)" measure -s bench/accrual.lua "$base/accrual")"
  ins_base+=" $(TOKEN=$token RUN="i$round-$(date +%s%N)" measure -s bench/accrual.lua "$base/insert")"
  last() { awk '{print $(NF-2)}' <<<"$1"; }
  echo "round $round (req/s): catalogue $(last "$cat_api") vs $(last "$cat_base"); accrual $(last "$acc_api") vs $(last "$acc_base") and $(last "$ins_base")"
done
http_row catalogue-read "$cat_api" "$cat_base"
http_row accrual-write "$acc_api" "$acc_base"
http_row accrual-write-single-insert "$acc_api" "$ins_base"

# The accruals above wrote HARB's events; the API gives them feed positions as it serves the feed (5,000 a call).
for _ in $(seq 1 2000); do
  read -r unsequenced max < <(curl -fsS "$base/events/unsequenced")
  ((unsequenced == 0)) && break
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$api/v1/events?limit=1"
done
((unsequenced == 0)) || { echo "events still unsequenced: $unsequenced" >&2; exit 1; }
export MAX=$max TOKEN=$token
warm_up -s bench/events.lua "$api/v1/events"
warm_up -s bench/events.lua "$base/events"
ev_api="" ev_base=""
for round in $(seq 1 "$rounds"); do
  ev_api+=" $(measure -s bench/events.lua "$api/v1/events")"
  ev_base+=" $(measure -s bench/events.lua "$base/events")"
done
http_row events-feed "$ev_api" "$ev_base"

# Export and ingest alone, after the HTTP measurements, in their own database, each in a process of its own.
export_connection=$(LOYALTY_DB_NAME=loyalty_bench_export scripts/mariadb.sh start | tail -1)
fulfilment() {
  (cd "$bench_dir" && env $("$root/scripts/local-aws.sh" env) Database__ConnectionString="$export_connection" dotnet Loyalty.Bench.dll "$@")
}
fulfilment export "$export_rows" >>"$rows"
key=$(fulfilment handback)
fulfilment ingest "$key" >>"$rows"

cat >"$work/machine.json" <<JSON
{"commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)", "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "machine": {"cores": $(nproc), "memory_gib": $(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo),
  "cpu": "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)", "mariadb": "$(mariadbd --version | awk '{print $3}')",
  "dotnet": "$(dotnet --version)", "kernel": "$(uname -r)"},
 "method": "wrk -t2 -c$connections, ${seconds} s per measurement after ${warm} s of warm-up, $rounds alternating rounds, medians; export and ingest of $export_rows rows."}
JSON
(cd "$bench_dir" && dotnet Loyalty.Bench.dll report "$rows" "$work/machine.json" "$out")
