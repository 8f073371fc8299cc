#!/usr/bin/env bash
# Records what podman 4.3 prints as a remote client (podman machine's situation) into test/fixtures/. Run as
# root on a host prepared by tooling/e2e/prepare-host.sh, under `flock /tmp/e2e.lock`: a rootless
# `podman system service` of the test user on a private socket, and the same user's podman with
# CONTAINER_HOST pointing at it. The service is stopped and its socket removed at the end.
set -euo pipefail

E2E_USER=${E2E_USER:-phoenix-e2e}
OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fixtures
E2E_UID=$(id -u "$E2E_USER")
E2E_HOME=$(getent passwd "$E2E_USER" | cut -d: -f6)
SOCK=/tmp/pa-fixture-remote-$$.sock

as_user() {
  (cd "$E2E_HOME" && runuser -u "$E2E_USER" -- env -i HOME="$E2E_HOME" USER="$E2E_USER" LOGNAME="$E2E_USER" \
    PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$E2E_UID" "$@")
}

# exec: the service is this background job's own process, so killing $SVC stops podman itself.
(cd "$E2E_HOME" && exec runuser -u "$E2E_USER" -- env -i HOME="$E2E_HOME" PATH=/usr/local/bin:/usr/bin:/bin \
  XDG_RUNTIME_DIR="/run/user/$E2E_UID" podman system service --time=0 "unix://$SOCK") &
SVC=$!
trap 'kill "$SVC" 2>/dev/null || true; wait "$SVC" 2>/dev/null || true; rm -f "$SOCK"' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done

as_user podman version --format json >"$OUT/version-local.json"
as_user env CONTAINER_HOST="unix://$SOCK" podman version --format json >"$OUT/version-remote.json"
as_user env CONTAINER_HOST="unix://$SOCK" podman info --format json >"$OUT/info-remote.json"
as_user env CONTAINER_HOST="unix://$SOCK" podman unshare true 2>"$OUT/unshare-remote.stderr.txt" || true

echo "fixtures written to $OUT"
