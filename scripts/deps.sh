#!/usr/bin/env bash
# Installs what this project needs on a fresh Debian machine; does nothing for what is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

missing=()
command -v mariadbd >/dev/null || missing+=(mariadb-server)
command -v mariadb >/dev/null || missing+=(mariadb-client)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
# The local AWS: moto's server and the AWS CLI (both come with these machines; Debian packages them too).
command -v moto_server >/dev/null || missing+=(python3-moto)
command -v aws >/dev/null || missing+=(awscli)
# The deploy rehearsal (infra/rehearsal) deploys and audits through boto3.
python3 -c 'import boto3' 2>/dev/null || missing+=(python3-boto3)
# The local cluster's load balancer, and systemd's tools for checking the API's units.
command -v nginx >/dev/null || missing+=(nginx)
command -v systemd-analyze >/dev/null || missing+=(systemd)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "the .NET SDK 10 is required (dotnet on PATH)" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js 20 is required (the CDK runs on it)" >&2; exit 1; }
command -v cfn-lint >/dev/null || { echo "cfn-lint is required (pip install cfn-lint)" >&2; exit 1; }
dotnet restore "$root/Loyalty.sln" --nologo -v quiet
# The pinned CDK CLI (npx cdk ...); only when the lock file changed since the last install.
if [[ ! -f $root/node_modules/.package-lock.json || $root/package-lock.json -nt $root/node_modules/.package-lock.json ]]; then
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi
