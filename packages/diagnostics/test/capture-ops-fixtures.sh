#!/usr/bin/env bash
# Records the real outputs status, inspect and nginx deploy parse into test/fixtures/ for the unit tests.
# Run as root on a host prepared by tooling/e2e/prepare-host.sh: podman runs rootless as the test user,
# except `podman stats`, which rootless podman refuses on this cgroup-v1 host (that refusal is recorded too)
# and which runs rootful on a tiny rootfs of host binaries (no image needed). Everything it creates is
# named ops-fixture* and removed at the end. Re-run it when podman or the kernel change; review the diff.
set -euo pipefail

E2E_USER=${E2E_USER:-phoenix-e2e}
NGINX=docker.io/library/nginx:stable
POSTGRES=docker.io/library/postgres:15
NAME=ops-fixture
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE/fixtures
E2E_UID=$(id -u "$E2E_USER")
E2E_HOME=$(getent passwd "$E2E_USER" | cut -d: -f6)
ROOTFS=$(mktemp -d /tmp/ops-fixture-rootfs.XXXXXX)

as_user() {
  (cd "$E2E_HOME" && runuser -u "$E2E_USER" -- env -i HOME="$E2E_HOME" USER="$E2E_USER" LOGNAME="$E2E_USER" \
    PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$E2E_UID" "$@")
}
podman_user() { as_user podman "$@"; }
# The sandbox warns that "/" is not a shared mount; it is not part of podman's answer.
no_warning() { grep -v 'is not a shared mount' || true; }

cleanup() {
  podman_user rm --force --ignore --time 0 "${NAME}_nginx" "${NAME}_db" >/dev/null 2>&1 || true
  podman rm --force --ignore --time 0 "${NAME}_stats" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$ROOTFS"
}
trap cleanup EXIT
cleanup
mkdir -p "$OUT"

cp /proc/diskstats "$OUT/proc-diskstats.txt"
# Mounts under /mnt are this machine's own business, not a filesystem a volume lives on.
grep -v ' /mnt/' /proc/self/mountinfo >"$OUT/proc-self-mountinfo.txt"

podman_user run -d --name "${NAME}_nginx" -p 18099:80 "$NGINX" >/dev/null
podman_user run -d --name "${NAME}_db" --user 999:999 -e POSTGRES_PASSWORD=x "$POSTGRES" >/dev/null
sleep 2
podman_user top "${NAME}_nginx" pid args >"$OUT/podman-top-nginx.txt"
podman_user port "${NAME}_nginx" 80/tcp >"$OUT/podman-port-nginx.txt"
podman_user exec "${NAME}_db" id >"$OUT/exec-id-postgres.txt"
podman_user exec "${NAME}_nginx" id >"$OUT/exec-id-nginx.txt"
podman_user stats --no-stream --format json "${NAME}_nginx" >/dev/null 2>"$OUT/podman-stats-rootless.stderr.txt" || true
sed -i '/is not a shared mount/d' "$OUT/podman-stats-rootless.stderr.txt"

# Rootful: a rootfs of dash, dd and sync with their libraries; dd writes and reads with O_DIRECT.
mkdir -p "$ROOTFS/bin" "$ROOTFS/tmp"
for b in /usr/bin/dash /usr/bin/dd /usr/bin/sync /usr/bin/sleep; do
  cp "$b" "$ROOTFS/bin/"
  for lib in $(ldd "$b" | grep -o '/[^ ]*'); do mkdir -p "$ROOTFS$(dirname "$lib")" && cp -n "$lib" "$ROOTFS$lib"; done
done
podman --runtime runc run -d --name "${NAME}_stats" --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
  --rootfs "$ROOTFS" /bin/dash -c 'dd if=/dev/zero of=/tmp/x bs=1M count=30 oflag=direct; sync; dd if=/tmp/x of=/dev/null bs=1M iflag=direct; sleep 60' >/dev/null
sleep 4
podman stats --no-stream --format json "${NAME}_stats" 2>&1 | no_warning >"$OUT/podman-stats-rootful.json"
echo "recorded into $OUT"
