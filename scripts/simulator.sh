#!/usr/bin/env bash
# Runs the programme simulator (tools/Loyalty.ProgrammeSimulator) in the background against the local AWS: it
# answers every accrual file in outbound/{CODE}/ with a handback in inbound/{CODE}/. Builds nothing (make build
# does); stops by PID.
#   scripts/simulator.sh start    # idempotent; needs scripts/local-aws.sh running
#   scripts/simulator.sh stop
#   scripts/simulator.sh status
#
# SIMULATOR_MIX       outcome weights for members found, active and named right, e.g. SUCCESS=90,PROGRAMME_ERROR=10
# SIMULATOR_INTERVAL  seconds between passes (default: the simulator's, 5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/.local/simulator
pidfile=$dir/simulator.pid
log=$dir/simulator.log
dll=$root/tools/Loyalty.ProgrammeSimulator/bin/Release/net10.0/Loyalty.ProgrammeSimulator.dll

case ${1:-} in
  start)
    mkdir -p "$dir"
    if running "$pidfile"; then echo "simulator already running (pid $(cat "$pidfile"))"; exit 0; fi
    [[ -f $dll ]] || { echo "$dll not found; run make build first" >&2; exit 1; }
    aws_env=$("$root/scripts/local-aws.sh" env) || { echo "the local AWS is not running (scripts/local-aws.sh start)" >&2; exit 1; }
    args=()
    if [[ -n ${SIMULATOR_MIX:-} ]]; then args+=(--mix "$SIMULATOR_MIX"); fi
    if [[ -n ${SIMULATOR_INTERVAL:-} ]]; then args+=(--interval "$SIMULATOR_INTERVAL"); fi
    # Ready is one real pass first: with --once it answers what is there now and exits 0 only if its settings hold
    # (mix, interval, members file) and the bucket answers. A bad setting shows here, not in a silent log.
    # A minute bounds it: a first pass over a bucket of answered files takes seconds.
    status=0
    (export_settings "$aws_env"; exec timeout 60 dotnet "$dll" --once "${args[@]}") >"$log" 2>&1 || status=$?
    if ((status)); then
      echo "the simulator's first pass failed (exit $status; 124: not done within 60 s); its log:" >&2; tail -20 "$log" >&2; exit 1
    fi
    (
      export_settings "$aws_env"
      exec dotnet "$dll" "${args[@]}" >>"$log" 2>&1
    ) &
    echo $! >"$pidfile"
    echo "simulator running (pid $(cat "$pidfile")); log: $log"
    ;;
  stop)
    if pid=$(stop_recorded "$pidfile" 10); then echo "simulator stopped (pid $pid)"; else echo "simulator not running"; fi
    ;;
  status)
    if running "$pidfile"; then echo "running (pid $(cat "$pidfile")); log: $log"; else echo "stopped"; exit 1; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
