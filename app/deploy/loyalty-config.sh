#!/usr/bin/env bash
# The boot step (loyalty-config.service): reads the stage's API settings from SSM and the database secrets from
# Secrets Manager with the AWS CLI, and writes them to the root-only environment files the units load.
# Input: /etc/loyalty/stage.env, written by the launch template's user data; names and ARNs only, no secret:
#   LOYALTY_STAGE, AWS_REGION, LOYALTY_PARAMETER_PATH, LOYALTY_DB_SECRET_ARN and LOYALTY_DB_SECRET_NAME (the API's
#   rows-only user), LOYALTY_MIGRATION_SECRET_ARN (RDS's master user), LOYALTY_APP_PORT
# Output: /etc/loyalty/api.env (the API's settings, without a password: the API reads it from its secret, again after
# each rotation) and /etc/loyalty/migrate.env (what only the migration step adds: the master user's connection, and the
# API's password to create its user with), 0600, root, each replaced whole or not at all, both or neither; the CloudWatch agent
# started with the stage's configuration (the SSM parameter /loyalty/<stage>/cloudwatch-agent), when installed.
# LOYALTY_ROOT prefixes every path: the tests run this against a scratch root and the local AWS.
set -euo pipefail
root=${LOYALTY_ROOT:-}
etc=$root/etc/loyalty
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=/dev/null
source "$etc/stage.env"
for name in LOYALTY_STAGE AWS_REGION LOYALTY_PARAMETER_PATH LOYALTY_DB_SECRET_ARN LOYALTY_DB_SECRET_NAME LOYALTY_MIGRATION_SECRET_ARN LOYALTY_APP_PORT; do
  [[ -n ${!name:-} ]] || { echo "$etc/stage.env: $name is not set" >&2; exit 1; }
done
export AWS_REGION AWS_DEFAULT_REGION=$AWS_REGION AWS_PAGER=""

# At boot the network or the endpoints may need a moment: a few tries, further apart each time.
retry() {
  local attempt
  for attempt in 1 2 3 4 5; do
    "$@" && return 0
    ((attempt < 5)) && sleep $((attempt * 3))
  done
  echo "loyalty-config: giving up on: $1 $2 $3" >&2
  return 1
}
parameters=$(retry aws ssm get-parameters-by-path --path "$LOYALTY_PARAMETER_PATH" --recursive --with-decryption --output json)
secret=$(retry aws secretsmanager get-secret-value --secret-id "$LOYALTY_DB_SECRET_ARN" --query SecretString --output text)
migration_secret=$(retry aws secretsmanager get-secret-value --secret-id "$LOYALTY_MIGRATION_SECRET_ARN" --query SecretString --output text)

# The API's log: systemd appends the service's output to it (loyalty-api.service) under the unit's UMask, so it is
# made here first, readable by the CloudWatch agent (user cwagent) that ships it.
install -d -m 0755 "$root/var/log/loyalty"
[[ -e $root/var/log/loyalty/api.log ]] || install -m 0644 /dev/null "$root/var/log/loyalty/api.log"

umask 077
tmp=$(mktemp "$etc/.api.env.XXXXXX")
tmp_migration=$(mktemp "$etc/.migrate.env.XXXXXX")
trap 'rm -f "$tmp" "$tmp_migration"' EXIT
# Secrets go through stdin, never a command line or the environment of another process.
printf '%s\n%s\n' "$parameters" "$secret" | python3 "$here/loyalty-env.py" api "$LOYALTY_APP_PORT" "$LOYALTY_DB_SECRET_NAME" >"$tmp"
printf '%s\n%s\n' "$migration_secret" "$secret" | python3 "$here/loyalty-env.py" migration >"$tmp_migration"
mv -f "$tmp_migration" "$etc/migrate.env"
mv -f "$tmp" "$etc/api.env"
trap - EXIT
echo "loyalty-config: $(grep -c '=' "$etc/api.env") settings for stage $LOYALTY_STAGE written to $etc/api.env, the migration's to $etc/migrate.env"

# One image serves every stage, so the agent's configuration (its metric namespace names the stage) comes from
# the stage, not the image.
if [[ -z $root ]] && command -v amazon-cloudwatch-agent-ctl >/dev/null; then
  amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c "ssm:/loyalty/$LOYALTY_STAGE/cloudwatch-agent"
fi
