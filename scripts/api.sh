#!/usr/bin/env bash
# Starts the API in the background (Development settings, local MariaDB and, when it runs, the local AWS
# with the fulfilment worker on), waits for /health/ready, and stops it by PID.
#   scripts/api.sh start PORT DLL
#   scripts/api.sh stop
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/.local/api
pidfile=$dir/api.pid

running() { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case ${1:-} in
  start)
    port=${2:?port}; dll=${3:?dll}
    mkdir -p "$dir"
    if running; then echo "API already running (pid $(cat "$pidfile"))"; exit 0; fi
    (
      cd "$(dirname "$dll")"
      if aws_env=$("$root/scripts/local-aws.sh" env 2>/dev/null); then
        while IFS= read -r setting; do export "${setting?}"; done <<<"$aws_env"
      fi
      DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
      Auth__DevelopmentKeyFile="$root/.local/dev-issuer.key" \
      Database__ConnectionString="$("$root/scripts/mariadb.sh" url)" \
      Instance__Id="local-$port" \
        exec dotnet "$dll" --urls "http://127.0.0.1:$port" >"$dir/api.log" 2>&1
    ) &
    echo $! >"$pidfile"
    for _ in $(seq 1 300); do
      if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then exit 0; fi
      running || { echo "the API exited; its log:" >&2; tail -30 "$dir/api.log" >&2; exit 1; }
      sleep 0.1
    done
    echo "the API was not ready within 30 s; see $dir/api.log" >&2; exit 1
    ;;
  stop)
    if running; then
      pid=$(cat "$pidfile"); kill "$pid"
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "API stopped (pid $pid)"
    else
      echo "API not running"
    fi
    rm -f "$pidfile"
    ;;
  *) echo "usage: $0 start PORT DLL | stop" >&2; exit 2 ;;
esac
