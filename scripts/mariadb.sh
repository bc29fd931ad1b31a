#!/usr/bin/env bash
# A private MariaDB for local runs and tests: its own data dir, 127.0.0.1 only, stopped by PID.
#
#   scripts/mariadb.sh start   # idempotent; prints the connection string on its last line
#   scripts/mariadb.sh stop    # stops the server this script started (by PID)
#   scripts/mariadb.sh status
#   scripts/mariadb.sh url     # prints the connection string of the running server
#
# LOYALTY_DB_DIR  data folder (default: .local/mariadb under the repo; git-ignored)
# LOYALTY_DB_PORT TCP port (default: a free port picked at first start, then kept)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LOYALTY_DB_DIR:-$root/.local/mariadb}
data=$dir/data
pidfile=$dir/mariadb.pid
portfile=$dir/port
secretfile=$dir/app-password
socket=$dir/mariadb.sock
database=${LOYALTY_DB_NAME:-loyalty}

client() { mariadb --no-defaults --socket="$socket" --user=root "$@"; }

url() {
  printf 'Server=127.0.0.1;Port=%s;Database=%s;User ID=loyalty;Password=%s;SslMode=None\n' \
    "$(cat "$portfile")" "$database" "$(cat "$secretfile")"
}

launch() {
  [[ -s $portfile ]] || { [[ -n ${LOYALTY_DB_PORT:-} ]] && echo "$LOYALTY_DB_PORT" || free_port; } >"$portfile"
  local user; user=$(id -un)
  if [[ ! -d $data/mysql ]]; then
    mariadb-install-db --no-defaults --datadir="$data" --user="$user" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$user" \
      --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
  fi

  # Durable commits (innodb_flush_log_at_trx_commit=1) as in RDS, so benchmarks measure the real cost.
  mariadbd --no-defaults --datadir="$data" --user="$user" \
    --bind-address=127.0.0.1 --port="$(cat "$portfile")" --socket="$socket" --pid-file="$pidfile" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --default-time-zone=+00:00 --skip-name-resolve --max-connections=500 \
    --innodb-buffer-pool-size=256M --log-error="$dir/error.log" >/dev/null 2>&1 &

  local ready=0
  wait_for 30 "$!" answers || ready=$?
  case $ready in
    1) echo "mariadbd exited; see $dir/error.log:" >&2; tail -20 "$dir/error.log" >&2; exit 1 ;;
    2) echo "mariadbd did not answer within 30 s; see $dir/error.log" >&2; exit 1 ;;
  esac
}

# The server answers a query on its socket: it is up, not merely started.
answers() { client -e 'SELECT 1' >/dev/null 2>&1; }

start() {
  command -v mariadbd >/dev/null || { echo "mariadbd not found: run 'make deps' (apt-get install mariadb-server)" >&2; exit 1; }
  mkdir -p "$dir"
  chmod 700 "$dir"
  running "$pidfile" || launch

  [[ -s $secretfile ]] || { (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$secretfile"); }
  local pw; pw=$(cat "$secretfile")
  # Created on every start so a wiped grant or a new database name still works; all statements are idempotent.
  client <<SQL
CREATE DATABASE IF NOT EXISTS \`$database\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'loyalty'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'loyalty'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`loyalty%\`.* TO 'loyalty'@'127.0.0.1' WITH GRANT OPTION;
-- What RDS's master user may do too, for the migration step to make the API's rows-only user (Database:MigrationConnectionString).
GRANT CREATE USER ON *.* TO 'loyalty'@'127.0.0.1';
GRANT SELECT ON mysql.* TO 'loyalty'@'127.0.0.1';
SQL
  url
}

stop() {
  local pid
  if pid=$(stop_recorded "$pidfile" 30); then echo "mariadb stopped (pid $pid)"; else echo "mariadb not running"; fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) if running "$pidfile"; then echo "running (pid $(cat "$pidfile"), port $(cat "$portfile"))"; else echo "stopped"; exit 1; fi ;;
  url) running "$pidfile" || { echo "mariadb not running" >&2; exit 1; }; url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
