#!/usr/bin/env bash
# Installs the API bundle this script belongs to (make publish: app/, deploy/, VERSION) on an instance, as the
# golden AMI's Image Builder component does:
#   /opt/loyalty/releases/<version>/   the bundle, root-owned and read-only to the service
#   /opt/loyalty/current               link to the release the units run; switched atomically
#   user loyalty                       system user, no login (systemd-sysusers)
#   /etc/systemd/system/loyalty-*      the API unit (Type=notify, hardened), the boot step that writes its settings,
#                                      the release's migration step, the connection-count timer
#   /etc/logrotate.d/loyalty           keeps /var/log/loyalty/api.log (the API's JSON log, shipped by the agent) small
#   /etc/loyalty/                      root-only, for stage.env and api.env (written at first boot by user data
#                                      and loyalty-config.sh, which also starts the CloudWatch agent with the
#                                      stage's configuration; the release keeps deploy/cloudwatch-agent.json)
# Nothing is enabled or started here: an image serves every stage, and the launch template's user data names the
# stage, then enables the units. Safe to run again; a second version becomes current and the first stays.
# DESTDIR: install under this root instead of / (the tests do; systemd is then not asked to reload).
set -euo pipefail
bundle=$(cd "$(dirname "$0")/.." && pwd)
dest=${DESTDIR:-}
version=$(cat "$bundle/VERSION")
[[ $version =~ ^[A-Za-z0-9._-]+$ ]] || { echo "install.sh: $bundle/VERSION: '$version' is not a version" >&2; exit 1; }
[[ -x $bundle/app/Loyalty.Api ]] || { echo "install.sh: $bundle/app/Loyalty.Api is missing: not a published bundle" >&2; exit 1; }

install -d -m 0755 "$dest/usr/lib/sysusers.d" "$dest/etc/systemd/system" "$dest/opt/loyalty/releases"
install -m 0644 "$bundle/deploy/systemd/loyalty.sysusers" "$dest/usr/lib/sysusers.d/loyalty.conf"
systemd-sysusers --root="${dest:-/}" "$dest/usr/lib/sysusers.d/loyalty.conf"

release=$dest/opt/loyalty/releases/$version
staging=$(mktemp -d "$dest/opt/loyalty/releases/.$version.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp -R "$bundle/app" "$bundle/deploy" "$bundle/VERSION" "$staging/"
chown -R 0:0 "$staging"
chmod -R u=rwX,go=rX "$staging"
rm -rf "$release"
mv "$staging" "$release"
trap - EXIT
# Relative, so the link is right under DESTDIR too; mv -T replaces it in one rename.
ln -sfn "releases/$version" "$dest/opt/loyalty/.current"
mv -T "$dest/opt/loyalty/.current" "$dest/opt/loyalty/current"

for unit in loyalty-api.service loyalty-config.service loyalty-migrate.service loyalty-connections.service loyalty-connections.timer; do
  install -m 0644 "$bundle/deploy/systemd/$unit" "$dest/etc/systemd/system/$unit"
done
install -d -m 0750 "$dest/etc/loyalty"
install -d -m 0755 "$dest/etc/logrotate.d"
install -m 0644 "$bundle/deploy/logrotate/loyalty" "$dest/etc/logrotate.d/loyalty"

if [[ -z $dest ]] && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
fi
echo "installed Loyalty API $version at ${dest}/opt/loyalty/current"
