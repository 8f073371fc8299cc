#!/usr/bin/env bash
# Records the real outputs doctor's checks parse into test/fixtures/ for the unit tests. Run as root on a
# host prepared by tooling/e2e/prepare-host.sh; podman runs rootless as the test user. Everything it creates
# is named dx-fixture* and removed at the end. Re-run it when podman, nginx or postgres change; review the diff.
set -euo pipefail

PROBE=localhost/phoenix-hydra-test:latest
POSTGRES=docker.io/library/postgres:15
NGINX=docker.io/library/nginx:stable
PROJECT=dx-fixture
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE/fixtures
REPO=$(cd "$HERE/../../.." && pwd)
EXTRA_PATH=$REPO/node_modules/.bin
# shellcheck source=../../../tooling/e2e/as-test-user.sh
source "$REPO/tooling/e2e/as-test-user.sh"
WORK=$E2E_HOME/$PROJECT
ISO=
probe() { podman_user run --rm --network none "$@"; }

cleanup() {
  podman_user rm --force --ignore --time 0 "${PROJECT}_db_1" "${PROJECT}_nginx_1" "${PROJECT}_db_2" >/dev/null 2>&1 || true
  podman_user volume rm --force "${PROJECT}_db_data" "${PROJECT}_nginx_config" "${PROJECT}_logs" >/dev/null 2>&1 || true
  podman_user unshare umount "$WORK/small" 2>/dev/null || true
  podman_user unshare rm -rf --one-file-system "$WORK" 2>/dev/null || true
  remove_iso
}
trap cleanup EXIT
cleanup
mkdir -p "$OUT"
cp /etc/subuid "$OUT/subuid"
as_user mkdir -p "$WORK/conf" "$WORK/db_data" "$WORK/junk" "$WORK/logs" "$WORK/small" "$WORK/backups"

# nginx -t in a throwaway container of the nginx image, conf.d mounted read-only, as doctor runs it.
nginx_t() { probe -v "$WORK/conf:/etc/nginx/conf.d:ro" --entrypoint nginx "$NGINX" -t 2>&1 || true; }
as_user sh -c "printf 'server {\n  listen 80;\n  location / {\n    root /usr/share/nginx/html\n  }\n}\n' > '$WORK/conf/default.conf'"
nginx_t >"$OUT/nginx-t-unexpected-brace.txt"
as_user sh -c "printf 'server {\n  listen 80;\n  proxy_pas http://db:5432;\n}\n' > '$WORK/conf/default.conf'"
nginx_t >"$OUT/nginx-t-unknown-directive.txt"
as_user sh -c "printf 'server {\n  listen 80;\n}\n' > '$WORK/conf/default.conf'"
nginx_t >"$OUT/nginx-t-ok.txt"

# The image's PostgreSQL, as PHX-PG-002 asks for it.
probe --entrypoint sh "$POSTGRES" -c 'postgres --version 2>/dev/null || ls /usr/lib/postgresql' >"$OUT/postgres-version.txt"
probe --entrypoint sh "$POSTGRES" -c 'ls /usr/lib/postgresql' >"$OUT/postgresql-lib-ls.txt"

# A real data directory made by initdb, and one with files but no PG_VERSION.
podman_user unshare chown 999:999 "$WORK/db_data"
probe --user 999:999 -v "$WORK/db_data:/var/lib/postgresql/data" --entrypoint initdb "$PROBE" \
  -D /var/lib/postgresql/data >/dev/null 2>&1
podman_user unshare cat -- "$WORK/db_data/PG_VERSION" >"$OUT/pg-version-file.txt"
podman_user unshare find "$WORK/db_data" -mindepth 1 -maxdepth 1 -printf '%f\0' >"$OUT/find-db-data-initialised.bin"
as_user sh -c "echo x > '$WORK/junk/notes.txt' && mkdir '$WORK/junk/lost+found'"
podman_user unshare find "$WORK/junk" -mindepth 1 -maxdepth 1 -printf '%f\0' >"$OUT/find-db-data-no-version.bin"
# What initdb says about such a directory (the failure PHX-PG-001 predicts).
podman_user unshare chown -R 999:999 "$WORK/junk"
probe --user 999:999 -v "$WORK/junk:/d" --entrypoint initdb "$PROBE" -D /d >/dev/null 2>"$OUT/initdb-not-empty.stderr.txt" || true

# Free space and inodes as doctor reads them (inside podman's user namespace), on the home filesystem
# and on a small tmpfs mounted in that namespace (which the containers see, the host does not).
podman_user unshare mount -t tmpfs -o size=8m,nr_inodes=400,mode=0755 tmpfs "$WORK/small"
podman_user unshare sh -c 'for i in $(seq 390); do : >"$1/f$i"; done' sh "$WORK/small"
podman_user unshare stat -f --printf='%a %b %S %d %c\n' -- "$WORK" "$WORK/small" >"$OUT/unshare-statfs.txt"
podman_user unshare umount "$WORK/small"

# A log file over the size cap, found the way PHX-LOGS-002 looks.
as_user sh -c "head -c 2000000 /dev/zero > '$WORK/logs/access.log' && echo hi > '$WORK/logs/error.log'"
podman_user unshare find "$WORK/logs" -xdev -type f -size +1000000c -printf '%s %p\0' >"$OUT/find-big-logs.bin"
podman_user unshare du -s -b -- "$WORK/logs" >"$OUT/unshare-du-logs.txt"

# SELinux labels as PHX-SELINUX-001 reads them; this host has SELinux disabled, so ls prints "?".
podman_user unshare ls -dZ -- "$WORK/conf" >"$OUT/ls-dZ-selinux-disabled.txt"

# Containers as podman-compose creates them (labels, bind-backed named volumes), and one made by hand
# with another user and a read-only data mount: what PHX-MOUNT-001 and PHX-USER-001 compare.
labels=(--label "io.podman.compose.project=$PROJECT" --label "com.docker.compose.project=$PROJECT")
podman_user volume create --opt type=none --opt o=bind --opt "device=$WORK/db_data" "${labels[@]}" "${PROJECT}_db_data" >/dev/null
podman_user volume create --opt type=none --opt o=bind --opt "device=$WORK/conf" "${labels[@]}" "${PROJECT}_nginx_config" >/dev/null
podman_user volume create --opt type=none --opt o=bind --opt "device=$WORK/logs" "${labels[@]}" "${PROJECT}_logs" >/dev/null
podman_user run -d --name "${PROJECT}_db_1" --network none --user 999:999 "${labels[@]}" \
  --label com.docker.compose.service=db -v "${PROJECT}_db_data:/var/lib/postgresql/data:Z" \
  "$PROBE" sleep infinity >/dev/null
podman_user container inspect --format json -- "${PROJECT}_db_1" >"$OUT/container-inspect-db.json"
podman_user exec "${PROJECT}_db_1" id -u >"$OUT/exec-id-u-db.txt"
podman_user rm --force --time 0 "${PROJECT}_db_1" >/dev/null
podman_user run -d --name "${PROJECT}_db_2" --network none "${labels[@]}" \
  --label com.docker.compose.service=db -v "${PROJECT}_db_data:/var/lib/postgresql/data:ro" \
  "$PROBE" sleep infinity >/dev/null
podman_user container inspect --format json -- "${PROJECT}_db_2" >"$OUT/container-inspect-db-drifted.json"
podman_user exec "${PROJECT}_db_2" id -u >"$OUT/exec-id-u-root.txt"
podman_user run -d --name "${PROJECT}_nginx_1" --network none "${labels[@]}" \
  --label com.docker.compose.service=nginx -v "${PROJECT}_nginx_config:/etc/nginx/conf.d:ro,Z" \
  -v "${PROJECT}_logs:/var/log/nginx:Z" \
  "$NGINX" >/dev/null
podman_user container inspect --format json -- "${PROJECT}_nginx_1" >"$OUT/container-inspect-nginx.json"

# podman info with the vfs driver, from a private store so the user's own storage is untouched.
ISO=$(mktemp -d /tmp/dx-fixture-ns.XXXXXX)
chown "$E2E_USER:" "$ISO"
(cd "$E2E_HOME" && runuser -u "$E2E_USER" -- env -i HOME="$E2E_HOME" PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$ISO/xdg" \
  sh -c "mkdir -p -m 700 '$ISO/xdg' && podman --root '$ISO/root' --runroot '$ISO/run' --storage-driver vfs \
    info --format json" >"$OUT/info-vfs.json" 2>/dev/null)
podman_user info --format json >"$OUT/info.json"
podman_user volume inspect --format json -- "${PROJECT}_db_data" >"$OUT/volume-inspect-bind.json"

# A lock left by a process that died, and a backup with and without verified.json, written by the
# backup package itself.
as_user node --input-type=module -e "
  const { acquireLock } = await import('$REPO/packages/backup/src/index.ts');
  await acquireLock('$WORK/backups', { operation: 'backup' });
  process.exit(0);"
cp "$WORK/backups/phoenix-volumes.lock" "$OUT/lock-dead-holder.json" && chmod 644 "$OUT/lock-dead-holder.json"
as_user node --input-type=module -e "
  const { createBackup, verifyBackup } = await import('$REPO/packages/backup/src/index.ts');
  const m = await createBackup({ backupDir: '$WORK/backups', project: '$PROJECT', taken: 'offline',
    volumes: [{ name: 'logs', strategy: 'archive', path: '$WORK/logs' }] });
  await verifyBackup('$WORK/backups', m.id);
  console.log(m.id);" >"$WORK/backup-id"
id=$(cat "$WORK/backup-id")
rm -rf "$OUT/backups"
mkdir -p "$OUT/backups/$id"
cp "$WORK/backups/$id/manifest.json" "$WORK/backups/$id/verified.json" "$OUT/backups/$id/"
chmod -R a+rX "$OUT"

echo "fixtures written to $OUT:"
ls -l "$OUT"
