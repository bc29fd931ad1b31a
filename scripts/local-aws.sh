#!/usr/bin/env bash
# The local AWS for runs and tests: moto's server on 127.0.0.1 with the dev stage deployed into it through
# CloudFormation by the deploy rehearsal (infra/rehearsal), so the platform runs on the stack's own resources
# and names. Nothing here creates a resource by hand; the app's settings are the stack's SSM parameters.
#
#   scripts/local-aws.sh start    # idempotent: rehearses the stage into a fresh emulator unless one runs
#   scripts/local-aws.sh stop     # stops the emulator this script started (by PID)
#   scripts/local-aws.sh status
#   scripts/local-aws.sh url      # the endpoint of the running emulator
#   scripts/local-aws.sh env      # the app's AWS and Fulfilment settings, from the deployed stack, as env lines
#   scripts/local-aws.sh summary  # what was applied outside CloudFormation, and the rehearsal's summary line
#
# LOYALTY_AWS_DIR  state folder (default: .local/aws under the repo; git-ignored): PID, port, settings, report
# LOYALTY_STAGE    the stage to deploy (default: dev)
# LOYALTY_BUNDLE   the API bundle the stage ships (default: artifacts/loyalty-api.tar.gz when make publish made it;
#                  otherwise a placeholder: the golden AMI is not emulated, the local platform runs the build)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LOYALTY_AWS_DIR:-$root/.local/aws}
stage=${LOYALTY_STAGE:-dev}
pidfile=$dir/moto.pid

url() { echo "http://127.0.0.1:$(cat "$dir/port")"; }

bundle() {
  if [[ -n ${LOYALTY_BUNDLE:-} ]]; then echo "$LOYALTY_BUNDLE"; return; fi
  if [[ -f $root/artifacts/loyalty-api.tar.gz ]]; then echo "$root/artifacts/loyalty-api.tar.gz"; return; fi
  local placeholder=$dir/placeholder-bundle/loyalty-api-local
  mkdir -p "$placeholder"
  echo local >"$placeholder/VERSION"
  tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$dir/placeholder-bundle" -czf "$dir/placeholder-bundle.tar.gz" loyalty-api-local
  echo "$dir/placeholder-bundle.tar.gz"
}

start() {
  command -v moto_server >/dev/null || { echo "moto_server not found (Python moto[server])" >&2; exit 1; }
  mkdir -p "$dir"
  chmod 700 "$dir"
  if running "$pidfile"; then
    url
    return
  fi
  rm -f "$pidfile" "$dir/port" "$dir/settings.env"
  if ! PYTHONPATH=$root/infra python3 -m rehearsal --stage "$stage" --bundle "$(bundle)" --no-update --keep "$dir" \
      --report "$dir/rehearsal-$stage.json" >"$dir/rehearsal.txt" 2>"$dir/rehearsal.log"; then
    cat "$dir/rehearsal.log" "$dir/rehearsal.txt" >&2
    stop >/dev/null
    echo "local AWS: the rehearsal of $stage failed (above; full table in $dir/rehearsal.txt)" >&2
    exit 1
  fi
  tail -1 "$dir/rehearsal.txt" >&2
  url
}

stop() {
  local pid
  if pid=$(stop_recorded "$pidfile" 10); then echo "local AWS stopped (pid $pid)"; fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) if running "$pidfile"; then echo "running: $(url) (pid $(cat "$pidfile"))"; else echo "stopped"; exit 1; fi ;;
  url) running "$pidfile" || { echo "local AWS is not running" >&2; exit 1; }; url ;;
  env) running "$pidfile" || { echo "local AWS is not running" >&2; exit 1; }; cat "$dir/settings.env" ;;
  summary)
    running "$pidfile" || { echo "local AWS is not running" >&2; exit 1; }
    grep '^applied outside CloudFormation: ' "$dir/rehearsal.txt" || true
    tail -1 "$dir/rehearsal.txt" ;;
  *) echo "usage: $0 start|stop|status|url|env|summary" >&2; exit 2 ;;
esac
