#!/usr/bin/env bash
# What deploying the working tree would change in a stage's deployed stack, from the stack AWS holds (cdk diff through
# the account's read-only CDK lookup role, no change set), as a markdown block for the pull-request comment.
# Needs AWS credentials for the stage's account and the published API bundle (make publish).
#   scripts/deployed-diff.sh STAGE
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:?usage: $0 STAGE}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
(cd "$root" && node_modules/.bin/cdk diff --no-notices --no-change-set -c stage="$stage" "Loyalty-$stage") >"$log" 2>&1 || status=$?
echo "<details><summary>$stage: cdk diff against the deployed Loyalty-$stage$( ((status)) && echo " (failed, exit $status)")</summary>"
echo
echo '```'
sed 's/\x1b\[[0-9;]*m//g' "$log"
echo '```'
echo
echo '</details>'
