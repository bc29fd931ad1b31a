#!/usr/bin/env bash
# make deploy STAGE=dev|prod [STACK=ci]: the real deploy, behind the same gates as a review:
#   1. synth with the published API bundle (the policy gate runs inside synth and stops it on a finding),
#      unless --assembly names a cloud assembly synthesized before (CI synthesizes once and deploys that);
#   2. cfn-lint of every template of the assembly;
#   3. the diff against the deployed stack (cdk diff, through the account's read-only lookup role), shown;
#   4. prod only: the operator types the stage's name to go on; with CI=true, the GitHub environment's required
#      reviewers have approved instead;
#   5. cdk deploy of that stack from that very assembly.
#   scripts/deploy.sh STAGE [--stack ci] [--assembly DIR] [--synth-only]
# --stack ci deploys the stage account's Loyalty-ci (the roles CI uses) instead of Loyalty-STAGE.
# --synth-only stops after 2, leaving the assembly in cdk.out/STAGE (or --assembly).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cdk=$root/node_modules/.bin/cdk
usage="usage: $0 dev|prod [--stack ci] [--assembly DIR] [--synth-only]"
stage=${1:-}; shift || true
stack_kind=stage assembly="" synth_only=0
while (($#)); do
  case $1 in
    --stack) stack_kind=${2:?$usage}; shift 2 ;;
    --assembly) assembly=${2:?$usage}; shift 2 ;;
    --synth-only) synth_only=1; shift ;;
    *) echo "deploy: unknown option '$1'; $usage" >&2; exit 2 ;;
  esac
done
[[ $stage =~ ^(dev|prod)$ ]] || { echo "deploy: unknown stage '$stage': $usage" >&2; exit 2; }
[[ $stack_kind =~ ^(stage|ci)$ ]] || { echo "deploy: unknown stack '$stack_kind' (stage or ci): $usage" >&2; exit 2; }
[[ -x $cdk ]] || { echo "deploy: the CDK CLI is missing: run 'make deps' (npm ci)" >&2; exit 2; }
stack=Loyalty-$stage
[[ $stack_kind == ci ]] && stack=Loyalty-ci
step() { echo "deploy $stage: $*" >&2; }

if [[ -z $assembly ]]; then
  assembly=$root/cdk.out/$stage
  bundle=$root/artifacts/loyalty-api.tar.gz
  [[ -f $bundle ]] || { echo "deploy: no API bundle at $bundle: run 'make publish' (make deploy does)" >&2; exit 2; }
  step "synth (policy gate included)"
  rm -rf "$assembly"
  (cd "$root" && "$cdk" synth -q --no-notices -c stage="$stage" -c bundle="$bundle" -o "$assembly")
fi
template=$assembly/$stack.template.json
[[ -f $template ]] || { echo "deploy: $template is missing: that assembly is not the $stage stage's" >&2; exit 2; }
step "cfn-lint"
cfn-lint -- "$assembly"/*.template.json
((synth_only)) && { step "synthesized and linted into $assembly"; exit 0; }

# The account and region the assembly targets, as its manifest names them (aws://account/region).
target=$(node -e 'const m = require(process.argv[1]); process.stdout.write(m.artifacts[process.argv[2]].environment)' \
  "$assembly/manifest.json" "$stack")
step "what deploying $stack to $target changes (cdk diff against the deployed stack)"
"$cdk" diff --no-notices --no-change-set --app "$assembly" "$stack"

if [[ $stage == prod && ${CI:-} != true ]]; then
  read -r -p "Deploy $stack to $target? Type '$stage' to go on: " answer || answer=""
  [[ $answer == "$stage" ]] || { echo "deploy: not confirmed; nothing was deployed" >&2; exit 1; }
fi
step "cdk deploy $stack"
"$cdk" deploy --no-notices --app "$assembly" "$stack" --require-approval never
