# Helpers the platform scripts share (mariadb.sh, local-aws.sh, cluster.sh, simulator.sh): whether a process of
# theirs runs, a free port, a bounded wait, a bounded stop. Sourced, never run:
#   source "$(dirname "$0")/lib.sh"
# Every process is known by the PID its script recorded, never by name, so a developer's other processes and
# the other worktrees' are never touched.

# alive PID: the process runs (an empty PID does not).
alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# running PIDFILE: the process that PIDFILE names runs.
running() { [[ -f $1 ]] && alive "$(cat "$1")"; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# wait_for SECONDS PID COMMAND...: polls COMMAND until it succeeds. Returns 0 once it does, 1 as soon as process
# PID has exited (an empty PID watches nothing), 2 when SECONDS have passed: a dead process never looks slow.
wait_for() {
  local seconds=$1 pid=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [[ -n $pid ]] && ! alive "$pid"; then return 1; fi
    ((SECONDS < deadline)) || return 2
    sleep 0.1 # the poll's interval, not a guess at how long anything takes
  done
}

# gone PID...: every one of these processes has exited.
gone() {
  local pid
  for pid in "$@"; do
    if alive "$pid"; then return 1; fi
  done
}

# stop_pid PID SECONDS [SIGNAL]: sends SIGNAL (default TERM) and waits up to SECONDS for PID to exit. Returns 1 if it
# still runs, so the caller decides whether it earns a SIGKILL.
stop_pid() {
  local pid=$1 seconds=$2 signal=${3:-TERM}
  alive "$pid" || return 0
  kill "-$signal" "$pid" 2>/dev/null || return 0 # it exited on its own in between
  wait_for "$seconds" "" gone "$pid"
}

# stop_recorded PIDFILE SECONDS: stops the process PIDFILE names (SIGTERM, SIGKILL if it still runs after SECONDS, so
# no process outlives the file that knew its PID) and removes PIDFILE. Prints the PID; returns 1 when none ran.
stop_recorded() {
  local pidfile=$1 seconds=$2 pid
  if ! running "$pidfile"; then rm -f "$pidfile"; return 1; fi
  pid=$(cat "$pidfile")
  stop_pid "$pid" "$seconds" || kill -KILL "$pid" 2>/dev/null || true # gone in between is gone
  rm -f "$pidfile"
  echo "$pid"
}

# export_settings LINES: exports each KEY=value line (what scripts/local-aws.sh env prints) into this shell.
export_settings() {
  local setting
  while IFS= read -r setting; do
    if [[ -n $setting ]]; then export "${setting?}"; fi
  done <<<"$1"
}
