#!/usr/bin/env bash
# The local cluster: N API processes on loopback ports behind nginx (app/deploy/nginx), all against the running
# MariaDB and local AWS, as the ALB and the auto-scaling group run them in AWS. Every process is started here and
# stopped by its PID. State lives in .local/cluster: one folder per slot (pid, port, id, log) and nginx's prefix.
#   scripts/cluster.sh start [N] [PORT]   N instances (default 3) behind nginx on 127.0.0.1:PORT (default 5080)
#   scripts/cluster.sh replace SLOT [DLL] roll one slot to a new process (DLL: the new version; default the same)
#   scripts/cluster.sh reload             re-render and check nginx's configuration, reload it gracefully
#   scripts/cluster.sh status             one line per slot: slot, instance id, port, pid, up|down
#   scripts/cluster.sh url                the load balancer's URL
#   scripts/cluster.sh stop
#   scripts/cluster.sh exec COMMAND...    run COMMAND with the environment every instance runs with (make migrate,
#                                         make token and make fulfil run the API's commands through it)
# LOYALTY_CLUSTER_DIR  state folder (default .local/cluster); LOYALTY_DEV_KEY  the development token key file.
# The database and local AWS are whatever scripts/mariadb.sh and scripts/local-aws.sh report (their LOYALTY_*
# settings pass through).
# A replacement keeps full capacity, like the group's rolling update: the new process starts on a fresh port and
# must answer /health/ready; nginx is reloaded with it in place of the old one; once no nginx worker of the old
# configuration is left (the ALB's deregistration delay), the old process gets SIGTERM and drains its requests.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LOYALTY_CLUSTER_DIR:-$root/.local/cluster}
dev_key=${LOYALTY_DEV_KEY:-$root/.local/dev-issuer.key}
prefix=$dir/nginx
template=$root/app/deploy/nginx/loyalty.conf.template
dll_default=$root/app/Loyalty.Api/bin/Release/net10.0/Loyalty.Api.dll

nginx_pid() { cat "$prefix/nginx.pid" 2>/dev/null || true; }
slots() { find "$dir/slots" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -n; }

# Exports what the local API runs with, its one home: development settings, the token signing key, the running
# MariaDB, and while the local AWS runs, the deployed dev stack's parameters (scripts/local-aws.sh env).
api_env() {
  local aws_env database
  if aws_env=$("$root/scripts/local-aws.sh" env 2>/dev/null); then export_settings "$aws_env"; fi
  # With no database running, mariadb.sh says so and the API's command fails on its own terms, as it always did.
  database=$("$root/scripts/mariadb.sh" url) || true
  export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
    Auth__DevelopmentKeyFile="$dev_key" Database__ConnectionString="$database"
}

# Starts one API process for SLOT on PORT into FOLDER and waits until it is ready.
start_instance() {
  local slot=$1 port=$2 folder=$3 dll=$4
  mkdir -p "$folder"
  local id="api-$slot@$port"
  (
    cd "$(dirname "$dll")"
    api_env
    Instance__Id="$id" exec dotnet "$dll" --urls "http://127.0.0.1:$port" >"$folder/api.log" 2>&1
  ) &
  local pid=$! ready=0
  echo "$pid" >"$folder/pid"; echo "$port" >"$folder/port"; echo "$id" >"$folder/id"
  wait_for 30 "$pid" ready "$port" || ready=$?
  case $ready in
    0) return 0 ;;
    1) echo "instance $id exited; its log:" >&2; tail -30 "$folder/api.log" >&2; return 1 ;;
    *) echo "instance $id was not ready within 30 s; see $folder/api.log" >&2; return 1 ;;
  esac
}

# The API on PORT answers its readiness check (/health/ready: catalogue loaded, database answering).
ready() { curl -fsS "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1; }

# SIGTERM, then the host's graceful shutdown drains in-flight requests; SIGKILL only if it overruns.
stop_instance() {
  local folder=$1 pid
  pid=$(cat "$folder/pid" 2>/dev/null || true)
  stop_pid "$pid" 40 || { echo "instance $(cat "$folder/id") ignored SIGTERM for 40 s; killing it" >&2; kill -KILL "$pid"; }
}

# Writes nginx.conf for the current slots and has nginx check it.
render() {
  local port=$1 upstreams="" slot
  for slot in $(slots); do
    upstreams+="        server 127.0.0.1:$(cat "$dir/slots/$slot/port") max_fails=2 fail_timeout=5s;"$'\n'
  done
  mkdir -p "$prefix"
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" "$template" \
    | awk -v upstreams="${upstreams%$'\n'}" '$0 == "@UPSTREAMS@" { print upstreams; next } { print }' >"$prefix/nginx.conf.new"
  nginx -t -q -p "$prefix" -c "$prefix/nginx.conf.new"
  mv "$prefix/nginx.conf.new" "$prefix/nginx.conf"
}

# Reloads nginx and waits until the workers of the old configuration have finished their requests and exited.
reload() {
  local master old
  master=$(nginx_pid)
  old=$(pgrep -P "$master" || true)
  kill -HUP "$master"
  # shellcheck disable=SC2086 # one PID a word
  wait_for 30 "" gone $old || { echo "nginx workers of the old configuration still running after 30 s" >&2; return 1; }
}

case ${1:-} in
  start)
    count=${2:-3}; port=${3:-5080}; dll=${API_DLL:-$dll_default}
    if alive "$(nginx_pid)"; then echo "cluster already running on $(cat "$dir/url")"; exit 0; fi
    command -v nginx >/dev/null || { echo "nginx is missing: run 'make deps'" >&2; exit 1; }
    # Instances left by a run whose nginx died are stopped, not orphaned.
    for slot in $(slots); do stop_instance "$dir/slots/$slot"; done
    rm -rf "$dir"; mkdir -p "$dir/slots"
    for slot in $(seq 1 "$count"); do
      start_instance "$slot" "$(free_port)" "$dir/slots/$slot" "$dll"
    done
    render "$port"
    echo "$port" >"$dir/lb-port"
    echo "http://127.0.0.1:$port" >"$dir/url"
    nginx -p "$prefix" -c "$prefix/nginx.conf"
    wait_for 10 "" ready "$port" || { echo "nginx does not answer on $port; see $prefix/error.log" >&2; exit 1; }
    ;;
  replace)
    slot=${2:?slot}; dll=${3:-${API_DLL:-$dll_default}}
    [[ -d $dir/slots/$slot ]] || { echo "no slot $slot" >&2; exit 2; }
    old=$dir/slots/$slot
    staged=$dir/staged-$slot
    rm -rf "$staged"
    start_instance "$slot" "$(free_port)" "$staged" "$dll"
    mv "$old" "$dir/retired-$slot"; mv "$staged" "$old"
    render "$(cat "$dir/lb-port")"
    reload
    stop_instance "$dir/retired-$slot"
    rm -rf "$dir/retired-$slot"
    echo "slot $slot: $(cat "$old/id") (pid $(cat "$old/pid")) serves"
    ;;
  reload)
    render "$(cat "$dir/lb-port")"
    reload
    echo "nginx reloaded"
    ;;
  status)
    for slot in $(slots); do
      folder=$dir/slots/$slot
      state=down; alive "$(cat "$folder/pid")" && state=up
      echo "$slot $(cat "$folder/id") $(cat "$folder/port") $(cat "$folder/pid") $state"
    done
    ;;
  url)
    cat "$dir/url"
    ;;
  stop)
    master=$(nginx_pid)
    if alive "$master"; then
      stop_pid "$master" 10 QUIT || true # a graceful stop; its workers finish their requests
      echo "nginx stopped (pid $master)"
    fi
    for slot in $(slots); do stop_instance "$dir/slots/$slot"; done
    [[ -d $dir/slots ]] && echo "API instances stopped"
    rm -rf "$dir"
    ;;
  exec)
    shift
    (($#)) || { echo "usage: $0 exec COMMAND..." >&2; exit 2; }
    api_env
    exec "$@"
    ;;
  *) echo "usage: $0 start [N] [PORT] | replace SLOT [DLL] | reload | status | url | stop | exec COMMAND..." >&2; exit 2 ;;
esac
