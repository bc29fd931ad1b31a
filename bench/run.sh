#!/usr/bin/env bash
# Measures the API's hot paths against bare baselines, side by side in one run, and writes bench/results.md:
#   catalogue read  GET /v1/programmes (auth, bank lookup, ETag)  vs  the same bytes from a bare Kestrel endpoint
#   accrual write   POST /v1/accruals (validation, transaction + event, one commit)
#                   vs  one raw INSERT per request through a bare Kestrel endpoint, same driver, same server
#   export          a fulfilment export of BENCH_EXPORT_ROWS pending accruals (default 1,000,000) to the local
#                   AWS vs a raw streaming Dapper read of the same rows, and the exporter's peak memory
# Rounds alternate the two sides so drift on a noisy machine hits both. Everything runs on 127.0.0.1 and
# every load is bounded by wrk's duration.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
rounds=${BENCH_ROUNDS:-3}
api_port=${BENCH_API_PORT:-5180}
base_port=${BENCH_BASE_PORT:-5181}
work=$root/.local/bench
mkdir -p "$work"

command -v wrk >/dev/null || { sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
dotnet build Loyalty.sln -c Release --nologo -v quiet -clp:ErrorsOnly

export LOYALTY_DB_DIR=$root/.local/mariadb-bench LOYALTY_DB_NAME=loyalty_bench LOYALTY_AWS_DIR=$root/.local/aws-bench
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

# Prints requests/second; fails the run if any response was not 2xx/3xx.
measure() {
  local out; out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@")
  echo "$out" >>"$work/wrk.log"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then echo "errors in: $*" >&2; grep "Non-2xx" <<<"$out" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: >"$work/wrk.log"
declare -a cat_api cat_base acc_api acc_base
# Warm-up of every measured path (JIT tiering, connection pools, InnoDB pages): on two cores tiered
# compilation takes tens of seconds under load, and a cold side would lose for reasons no user sees.
warm=${BENCH_WARMUP_SECONDS:-10}
wrk -t2 -c"$connections" -d"${warm}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/v1/programmes" >/dev/null
wrk -t2 -c"$connections" -d"${warm}s" "http://127.0.0.1:$base_port/catalogue" >/dev/null
TOKEN=$token RUN="warm-$(date +%s%N)" wrk -t2 -c"$connections" -d"${warm}s" -s bench/accrual.lua "http://127.0.0.1:$api_port/v1/accruals" >/dev/null
TOKEN=$token RUN="warm-$(date +%s%N)" wrk -t2 -c"$connections" -d"${warm}s" -s bench/accrual.lua "http://127.0.0.1:$base_port/insert" >/dev/null
for round in $(seq 1 "$rounds"); do
  cat_api+=("$(measure -H "Authorization: Bearer $token" "http://127.0.0.1:$api_port/v1/programmes")")
  cat_base+=("$(measure "http://127.0.0.1:$base_port/catalogue")")
  acc_api+=("$(TOKEN=$token RUN="r$round-$(date +%s%N)" measure -s bench/accrual.lua "http://127.0.0.1:$api_port/v1/accruals")")
  acc_base+=("$(TOKEN=$token RUN="b$round-$(date +%s%N)" measure -s bench/accrual.lua "http://127.0.0.1:$base_port/insert")")
  echo "round $round: catalogue ${cat_api[-1]} vs ${cat_base[-1]} req/s; accrual ${acc_api[-1]} vs ${acc_base[-1]} req/s"
done

# The export runs alone, after the HTTP measurements, in its own database.
export_rows=${BENCH_EXPORT_ROWS:-1000000}
export_connection=$(LOYALTY_DB_NAME=loyalty_bench_export scripts/mariadb.sh start | tail -1)
export_lines=$(cd bench/Loyalty.Bench.Export/bin/Release/net10.0 && \
  env $("$root/scripts/local-aws.sh" env) Database__ConnectionString="$export_connection" dotnet Loyalty.Bench.Export.dll "$export_rows")
echo "$export_lines"

ca=$(median "${cat_api[@]}"); cb=$(median "${cat_base[@]}"); aa=$(median "${acc_api[@]}"); ab=$(median "${acc_base[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN {print (r >= g ? "meets" : "MISSES")}'; }
cr=$(ratio "$ca" "$cb"); ar=$(ratio "$aa" "$ab")

cat >"$root/bench/results.md" <<MD
# Benchmark results

Measured by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, MariaDB $(mariadbd --version | awk '{print $3}'),
wrk -t2 -c$connections, ${seconds} s per measurement, $rounds alternating rounds, medians. Client, API,
baseline and MariaDB share the machine, so absolute numbers are low; the ratios are the point.

| Path | Loyalty | Baseline | Ratio | Goal |
|---|---|---|---|---|
| Catalogue read: \`GET /v1/programmes\` vs the same bytes from bare Kestrel | $ca req/s | $cb req/s | $cr | >= 0.8 ($(verdict "$cr" 0.8)) |
| Accrual write: \`POST /v1/accruals\` vs one raw INSERT per request | $aa req/s | $ab req/s | $ar | >= 0.7 ($(verdict "$ar" 0.7)) |
$export_lines

Rounds (API vs baseline, req/s):
$(for i in $(seq 0 $((rounds - 1))); do echo "- round $((i + 1)): catalogue ${cat_api[$i]} vs ${cat_base[$i]}; accrual ${acc_api[$i]} vs ${acc_base[$i]}"; done)
MD
cat "$root/bench/results.md"
