#!/usr/bin/env bash
# make publish: the API self-contained for linux-x64 together with app/deploy, as the versioned bundle
#   artifacts/loyalty-api-<version>.tar.gz   one folder loyalty-api-<version>/ holding app/, deploy/, VERSION
#   artifacts/loyalty-api.tar.gz             a link to the newest: the CDK app ships it as the golden AMI's asset
# The archive is reproducible (sorted names, fixed times and owners), so an unchanged app keeps its asset hash
# and its image; a changed one gets a new image and a rolling replacement of the fleet.
#   scripts/publish.sh VERSION
#   scripts/publish.sh --inputs    what the bundle is made of, one path a line (make diff: "API bundle changed")
#   scripts/publish.sh --version   the version make publish uses: the last commit that changed those inputs, with
#                                  -dirty while they have uncommitted changes. A commit that leaves them alone keeps the
#                                  version, so the bundle, its asset hash and the fleet stay as they are.
# LOYALTY_ARTIFACTS: where the bundle goes (default artifacts/; the tests publish into a scratch folder).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
inputs=(app Directory.Build.props Directory.Packages.props global.json NuGet.config scripts/publish.sh)
case ${1:-} in
  --inputs) printf '%s\n' "${inputs[@]}"; exit 0 ;;
  --version)
    cd "$root"
    commit=$(git log -1 --format=%h -- "${inputs[@]}" 2>/dev/null || true)
    dirty=$(git status --porcelain -- "${inputs[@]}" 2>/dev/null || true)
    echo "${commit:-dev}${dirty:+-dirty}"
    exit 0 ;;
esac
version=${1:?usage: $0 VERSION | --inputs | --version}
[[ $version =~ ^[A-Za-z0-9._-]+$ ]] || { echo "publish: '$version' is not a version (letters, digits, . _ -)" >&2; exit 2; }
out=${LOYALTY_ARTIFACTS:-$root/artifacts}
work=$out/.work
bundle=$work/loyalty-api-$version

rm -rf "$bundle"
mkdir -p "$bundle" "$out"
dotnet publish "$root/app/Loyalty.Api/Loyalty.Api.csproj" -c Release -r linux-x64 --self-contained \
  -p:DebugType=none -p:GenerateDocumentationFile=false -o "$bundle/app" --nologo -v quiet >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log" >&2; exit 1; }
cp -R "$root/app/deploy" "$bundle/deploy"
echo "$version" >"$bundle/VERSION"
find "$bundle" -exec touch -h -d @0 {} +
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf - "loyalty-api-$version" \
  | gzip -n >"$out/loyalty-api-$version.tar.gz.tmp"
mv "$out/loyalty-api-$version.tar.gz.tmp" "$out/loyalty-api-$version.tar.gz"
ln -sfn "loyalty-api-$version.tar.gz" "$out/loyalty-api.tar.gz"
echo "$out/loyalty-api-$version.tar.gz ($(du -h "$out/loyalty-api-$version.tar.gz" | cut -f1))"
