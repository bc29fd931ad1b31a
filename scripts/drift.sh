#!/usr/bin/env bash
# Whether a stage's deployed stack still matches its template: CloudFormation drift detection, run through the
# account's read-only CDK lookup role (drift detection reads every resource with the caller's permissions).
# Prints markdown. Exit 0: in sync; 1: drifted (each modified or deleted resource listed); 2: could not tell.
#   scripts/drift.sh STAGE     with AWS credentials for the stage's account (CI: Loyalty-ci's drift role) and AWS_REGION
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage=${1:?usage: $0 STAGE}
stack=Loyalty-$stage
region=${AWS_REGION:?AWS_REGION names the stage\'s region}
fail() { echo "drift $stage: $*" >&2; exit 2; }

account=$(aws sts get-caller-identity --query Account --output text) || fail "no AWS credentials"
# The qualifier `cdk bootstrap` gave the account, from stages/github.json (JSON with whole-line comments).
qualifier=$(node -e 'const fs = require("fs");
  const text = fs.readFileSync(process.argv[1], "utf8").replace(/^\s*\/\/.*$/gm, "");
  process.stdout.write(JSON.parse(text).bootstrapQualifier)' "$root/stages/github.json") || fail "cannot read stages/github.json"
lookup=arn:aws:iam::$account:role/cdk-$qualifier-lookup-role-$account-$region
credentials=$(aws sts assume-role --role-arn "$lookup" --role-session-name "drift-$stage" \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text) || fail "cannot assume $lookup"
read -r key secret token <<<"$credentials"
export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token

detection=$(aws cloudformation detect-stack-drift --stack-name "$stack" --query StackDriftDetectionId --output text) \
  || fail "cannot start drift detection of $stack"
for _ in $(seq 1 90); do
  answer=$(aws cloudformation describe-stack-drift-detection-status --stack-drift-detection-id "$detection" \
    --query '[DetectionStatus,StackDriftStatus]' --output text) || fail "cannot read the status of drift detection $detection"
  read -r status drift <<<"$answer"
  [[ $status == DETECTION_IN_PROGRESS ]] || break
  sleep 10
done
case $status in
  DETECTION_COMPLETE) ;;
  DETECTION_IN_PROGRESS) fail "drift detection of $stack still running after 15 minutes" ;;
  *) fail "drift detection of $stack ended $status" ;;
esac

if [[ $drift == IN_SYNC ]]; then
  echo "**$stack** ($account, $region): in sync with its template."
  exit 0
fi
echo "**$stack** ($account, $region): **$drift**. Resources changed outside CloudFormation:"
echo
echo "| Resource | Type | Drift |"
echo "|---|---|---|"
drifts=$(aws cloudformation describe-stack-resource-drifts --stack-name "$stack" --stack-resource-drift-status-filters MODIFIED DELETED \
  --query 'StackResourceDrifts[].[LogicalResourceId,ResourceType,StackResourceDriftStatus]' --output text) || fail "cannot list the drifted resources"
while read -r id type status; do
  [[ -n $id ]] && echo "| \`$id\` | $type | $status |"
done <<<"$drifts"
exit 1
