#!/usr/bin/env bash
# Sends the established TCP connections on the API's port and on SSH (22) to the CloudWatch agent's StatsD
# listener as gauges: the agent's netstat plugin counts by state only, not by port (loyalty-connections.timer).
set -euo pipefail
port=${LOYALTY_APP_PORT:-8080}
count() { ss -Htn state established "( sport = :$1 )" | wc -l; }
printf 'tcp_connections_http:%d|g\ntcp_connections_ssh:%d|g\n' "$(count "$port")" "$(count 22)" >/dev/udp/127.0.0.1/8125
