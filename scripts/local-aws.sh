#!/usr/bin/env bash
# A local AWS for runs and tests: moto's server on 127.0.0.1, stopped by PID, with the fulfilment
# resources the CDK app creates in a real stage (partner-files bucket, ingest queue fed by the bucket's
# object-created notifications for inbound/, one FIFO queue per bank).
#
#   scripts/local-aws.sh start   # idempotent; prints the endpoint URL on its last line
#   scripts/local-aws.sh stop    # stops the server this script started (by PID)
#   scripts/local-aws.sh status
#   scripts/local-aws.sh url     # prints the endpoint of the running server
#   scripts/local-aws.sh env     # prints the app's Fulfilment settings for this emulator, as env lines
#
# LOYALTY_AWS_DIR   state folder (default: .local/aws under the repo; git-ignored)
# LOYALTY_AWS_PORT  TCP port (default: a free port picked at first start, then kept)
# LOYALTY_AWS_NAME  resource name prefix (default: loyalty-local)
# LOYALTY_BANKS     banks that get a notification queue (default: HARB ORCH NVAL)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LOYALTY_AWS_DIR:-$root/.local/aws}
pidfile=$dir/moto.pid
portfile=$dir/port
name=${LOYALTY_AWS_NAME:-loyalty-local}
banks=${LOYALTY_BANKS:-HARB ORCH NVAL}
region=eu-west-1

# moto accepts any credentials; these only satisfy the CLI's signer.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=$region AWS_PAGER=""

running() { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
url() { echo "http://127.0.0.1:$(cat "$portfile")"; }
aws_() { aws --endpoint-url "$(url)" --output text "$@"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

provision() {
  local bucket=$name-partner-files ingest=$name-ingest
  aws_ s3api head-bucket --bucket "$bucket" >/dev/null 2>&1 ||
    aws_ s3api create-bucket --bucket "$bucket" --create-bucket-configuration LocationConstraint=$region >/dev/null
  local ingest_url ingest_arn
  ingest_url=$(aws_ sqs create-queue --queue-name "$ingest" --query QueueUrl)
  ingest_arn=$(aws_ sqs get-queue-attributes --queue-url "$ingest_url" --attribute-names QueueArn --query Attributes.QueueArn)
  aws_ s3api put-bucket-notification-configuration --bucket "$bucket" --notification-configuration \
    "{\"QueueConfigurations\":[{\"QueueArn\":\"$ingest_arn\",\"Events\":[\"s3:ObjectCreated:*\"],\"Filter\":{\"Key\":{\"FilterRules\":[{\"Name\":\"prefix\",\"Value\":\"inbound/\"}]}}}]}"
  for bank in $banks; do
    aws_ sqs create-queue --queue-name "$name-$bank.fifo" \
      --attributes FifoQueue=true,ContentBasedDeduplication=false >/dev/null
  done
}

start() {
  command -v moto_server >/dev/null || { echo "moto_server not found (Python moto[server])" >&2; exit 1; }
  mkdir -p "$dir"
  chmod 700 "$dir"
  if ! running; then
    [[ -s $portfile ]] || { [[ -n ${LOYALTY_AWS_PORT:-} ]] && echo "$LOYALTY_AWS_PORT" || free_port; } >"$portfile"
    moto_server -H 127.0.0.1 -p "$(cat "$portfile")" >"$dir/moto.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 300); do
      curl -fsS -o /dev/null "$(url)/moto-api/" 2>/dev/null && break
      kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "moto_server exited; see $dir/moto.log:" >&2; tail -20 "$dir/moto.log" >&2; exit 1; }
      sleep 0.1
    done
    curl -fsS -o /dev/null "$(url)/moto-api/" || { echo "moto_server did not answer within 30 s; see $dir/moto.log" >&2; exit 1; }
  fi
  provision
  url
}

stop() {
  if running; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    echo "local AWS stopped (pid $pid)"
  fi
  rm -f "$pidfile"
}

# The settings the app reads (Fulfilment section); the same names carry real ARNs/URLs in a stage.
settings() {
  echo "AWS_ENDPOINT_URL=$(url)"
  echo "AWS_REGION=$region"
  echo "AWS_ACCESS_KEY_ID=local"
  echo "AWS_SECRET_ACCESS_KEY=local"
  echo "Fulfilment__Bucket=$name-partner-files"
  echo "Fulfilment__IngestQueueUrl=$(url)/123456789012/$name-ingest"
  for bank in $banks; do echo "Fulfilment__BankQueues__$bank=$(url)/123456789012/$name-$bank.fifo"; done
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running: $(url) (pid $(cat "$pidfile"))"; else echo "stopped"; exit 1; fi ;;
  url) running || { echo "local AWS is not running" >&2; exit 1; }; url ;;
  env) running || { echo "local AWS is not running" >&2; exit 1; }; settings ;;
  *) echo "usage: $0 start|stop|status|url|env" >&2; exit 2 ;;
esac
