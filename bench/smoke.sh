#!/usr/bin/env bash
# make test's run of the bench: the whole of bench/run.sh at a tiny size, in scratch folders and on free ports, so the
# bench keeps working between the runs that measure. It judges no speed; it fails when any row comes out empty.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d -t loyalty-bench-smoke-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
BENCH_SECONDS=1 BENCH_ROUNDS=1 BENCH_WARMUP_SECONDS=1 BENCH_CONNECTIONS=4 BENCH_EXPORT_ROWS=2000 BENCH_NO_BUILD=1 \
  BENCH_API_PORT=$(free_port) BENCH_BASE_PORT=$(free_port) \
  BENCH_OUT=$scratch/out BENCH_WORK=$scratch/work BENCH_DB_DIR=$scratch/db BENCH_AWS_DIR=$scratch/aws \
  "$root/bench/run.sh" >"$scratch/run.log" 2>&1 || { cat "$scratch/run.log" >&2; exit 1; }
test -s "$scratch/out/results/latest.json" && test -s "$scratch/out/results.md"
echo "bench smoke: every row of bench/results/latest.json measured ($(grep -c '"id"' "$scratch/out/results/latest.json") rows)"
