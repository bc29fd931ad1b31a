#!/usr/bin/env bash
# make diff BASE=<git ref>: what the working tree changes in the infrastructure against BASE, offline (no AWS account).
# Both stages are synthesized at BASE (a temporary git worktree) and at the working tree, then compared template to
# template by infra/diff/template-diff.mjs, which prints the review as markdown: per stack what is added, changed and
# removed, the destructive changes (a stateful resource replaced or removed, with the property that forces it) and the
# security changes (IAM statements, security-group rules, keys, WAF). Both sides ship the same stand-in API bundle, so
# the golden AMI's asset hash is no noise; a change to the bundle's inputs (scripts/publish.sh --inputs) is one line.
#   scripts/diff.sh BASE          exit 0: reviewed; 1: a destructive change (ALLOW_DESTRUCTIVE=1 accepts it); 2: failure
# (make diff reports any failure as make's own 2: CI calls the script.)
# DIFF_OUT: where the whole markdown goes as well (default .local/diff.md); DIFF_COMMENT: a copy cut to GitHub's comment
# limit. Synth output is cached by git tree in .local/diff-cache (LOYALTY_DIFF_CACHE), so a second run over the same
# trees only compares.
set -euo pipefail
trap 'exit 2' ERR # any failure of the script itself is 2: 1 is kept for "destructive"
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: $0 BASE (a git ref)}
out=${DIFF_OUT:-$root/.local/diff.md}
cache=${LOYALTY_DIFF_CACHE:-$root/.local/diff-cache}
cdk=$root/node_modules/.bin/cdk
[[ -x $cdk ]] || { echo "diff: the CDK CLI is missing: run 'make deps' (npm ci)" >&2; exit 2; }

sha=$(git -C "$root" rev-parse --verify --quiet "$base^{commit}") || { echo "diff: '$base' is not a commit here" >&2; exit 2; }
work=$(mktemp -d)
cleanup() {
  git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$cache" "$(dirname "$out")"

# The working tree as a git tree (tracked and untracked files git does not ignore), without touching the real index.
head_tree() {
  local index=$work/index
  cp "$(git -C "$root" rev-parse --git-path index)" "$index" 2>/dev/null || true
  GIT_INDEX_FILE=$index git -C "$root" add -A >/dev/null
  GIT_INDEX_FILE=$index git -C "$root" write-tree
}

# A stand-in bundle, the same bytes on both sides: the API is not part of this comparison.
bundle=$work/loyalty-api-diff.tar.gz
mkdir -p "$work/bundle/loyalty-api-diff"
echo diff >"$work/bundle/loyalty-api-diff/VERSION"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/bundle" -cf - loyalty-api-diff | gzip -n >"$bundle"

# Synthesizes every stage of a source tree into the cache (once per git tree); prints the folder.
synthesize() {
  local tree=$1 source=$2 target=$cache/$1
  if [[ -f $target/done ]]; then touch "$target"; echo "$target"; return; fi
  local tmp
  tmp=$(mktemp -d "$cache/.synth.XXXXXX") # concurrent runs never share one
  dotnet build "$source/infra/Loyalty.Infra/Loyalty.Infra.csproj" -c Release --nologo -v quiet -o "$work/bin-$tree" \
    >"$tmp/build.log" 2>&1 || { echo "diff: building the CDK app of $source failed:" >&2; tail -n 20 "$tmp/build.log" >&2; rm -rf "$tmp"; return 2; }
  local stage pids=()
  for stage in $(stages "$source"); do
    (cd "$source" && "$cdk" synth -q --no-notices --app "dotnet $work/bin-$tree/Loyalty.Infra.dll" \
      -c stage="$stage" -c bundle="$bundle" -o "$tmp/$stage" >"$tmp/$stage.log" 2>&1) &
    pids+=($!)
  done
  local failed=0 pid
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  if ((failed)); then
    echo "diff: synth of $source failed (policy gate or stage file):" >&2
    tail -n 20 "$tmp"/*.log >&2
    rm -rf "$tmp"
    return 2
  fi
  # Only the templates are compared; the assets (the stand-in bundle) and the rest are not kept.
  find "$tmp" -type f ! -name '*.template.json' -delete
  touch "$tmp/done"
  rm -rf "$target"; mv "$tmp" "$target" 2>/dev/null || rm -rf "$tmp" # another run may have got there first
  echo "$target"
}

# The stages a tree knows: its stages/<name>.json, without the CI settings.
stages() { find "$1/stages" -maxdepth 1 -name '*.json' ! -name github.json -printf '%f\n' | sed 's/\.json$//' | sort; }

base_tree=$(git -C "$root" rev-parse "$sha^{tree}")
head_tree=$(head_tree)
if [[ ! -f $cache/$base_tree/done ]]; then
  git -C "$root" worktree add --detach -q "$work/base" "$sha"
fi
base_out=$(synthesize "$base_tree" "$work/base") || exit 2
head_out=$(synthesize "$head_tree" "$root") || exit 2

flags=()
inputs_text=$("$root/scripts/publish.sh" --inputs)
mapfile -t inputs <<<"$inputs_text"
git -C "$root" diff-tree --quiet "$base_tree" "$head_tree" -- "${inputs[@]}" || flags+=(--bundle-changed)
[[ ${ALLOW_DESTRUCTIVE:-0} == 1 ]] && flags+=(--allow-destructive)
[[ -n ${DIFF_COMMENT:-} ]] && flags+=(--comment "$DIFF_COMMENT")
status=0
node "$root/infra/diff/template-diff.mjs" --base "$base_out" --head "$head_out" --out "$out" \
  --title "Infrastructure diff: $(git -C "$root" rev-parse --short "$sha") → working tree" "${flags[@]}" || status=$?

# Old entries go once the comparison is done: the last 20 trees used are plenty for a branch and its base.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%T@ %p\n' | sort -rn | tail -n +21 | cut -d' ' -f2- \
  | xargs -r -d '\n' rm -rf
exit "$status"
