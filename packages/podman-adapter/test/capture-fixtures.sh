#!/usr/bin/env bash
# Records real podman 4.3 output into test/fixtures/ for the unit tests. Run as root on a host prepared
# by tooling/e2e/prepare-host.sh; podman runs rootless as the test user, with the environment convention of
# prepare-host.sh (HOME, clean PATH, XDG_RUNTIME_DIR=/run/user/<uid>). Everything it creates is named
# pa-fixture* and removed at the end. Re-run it when podman is upgraded, then review the diff.
set -euo pipefail

IMAGE=localhost/phoenix-hydra-test:latest
PROJECT=pa-fixture
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE/fixtures
# shellcheck source=../../../tooling/e2e/as-test-user.sh
source "$HERE/../../../tooling/e2e/as-test-user.sh"
WORK=$E2E_HOME/$PROJECT
ISO=

cleanup() {
  podman_user rm --force --ignore --time 0 "${PROJECT}_db_1" >/dev/null 2>&1 || true
  podman_user volume rm --force "${PROJECT}_db_data" "${PROJECT}_plain" >/dev/null 2>&1 || true
  podman_user unshare rm -rf --one-file-system "$WORK" 2>/dev/null || true
  remove_iso
}
trap cleanup EXIT
cleanup
ISO=$(mktemp -d /tmp/pa-fixture-ns.XXXXXX)
mkdir -p "$OUT"

cp /etc/subuid "$OUT/subuid"
cp /etc/subgid "$OUT/subgid"
podman_user info --format json >"$OUT/info.json"
as_user podman-compose version >"$OUT/podman-compose-version.txt" 2>&1

as_user mkdir -p "$WORK/db_data" "$WORK/conf"
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
podman_user volume create --opt type=none --opt o=bind --opt "device=$WORK/db_data" \
  --label "io.podman.compose.project=$PROJECT" --label "com.docker.compose.project=$PROJECT" \
  -- "${PROJECT}_db_data" >/dev/null
podman_user volume create --label "io.podman.compose.project=$PROJECT" -- "${PROJECT}_plain" >/dev/null
podman_user volume inspect --format json -- "${PROJECT}_db_data" >"$OUT/volume-inspect-bind.json"
podman_user volume inspect --format json -- "${PROJECT}_plain" >"$OUT/volume-inspect-plain.json"
podman_user volume ls --format json --filter "label=io.podman.compose.project=$PROJECT" >"$OUT/volume-ls.json"
podman_user volume inspect --format json -- "${PROJECT}_absent" \
  >"$OUT/volume-inspect-missing.stdout.txt" 2>"$OUT/volume-inspect-missing.stderr.txt" || true
# Many names, some missing: the ones podman has on stdout, a line per missing one on stderr, exit 125.
podman_user volume inspect --format json -- "${PROJECT}_db_data" "${PROJECT}_absent" "${PROJECT}_gone" \
  >"$OUT/volume-inspect-many-partial.json" 2>"$OUT/volume-inspect-many-partial.stderr.txt" || true

# The stack's ownership fix: postgres (999) must own its data dir; inside the namespace it shows as 999.
podman_user unshare chown -R -- 999:999 "$WORK/db_data"
podman_user unshare chmod -- 0700 "$WORK/db_data"
as_user sh -c "printf abc >'$WORK/conf/app.conf' && ln -s app.conf '$WORK/conf/link'"
podman_user unshare stat --printf='%u:%g:%f:%s:%n\0' -- "$WORK/db_data" "$WORK/conf/app.conf" "$WORK/conf/link" \
  >"$OUT/unshare-stat.bin"
podman_user unshare du -s -b -- "$WORK" >"$OUT/unshare-du-bytes.txt"
podman_user unshare du -s --inodes -- "$WORK" >"$OUT/unshare-du-inodes.txt"

podman_user run -d --name "${PROJECT}_db_1" --network none --user 999:999 \
  --label "io.podman.compose.project=$PROJECT" --label "com.docker.compose.project=$PROJECT" \
  --label com.docker.compose.service=db \
  -v "${PROJECT}_db_data:/var/lib/postgresql/data" -v "$WORK/conf:/etc/phoenix:ro" \
  "$IMAGE" sleep infinity >/dev/null
podman_user ps --format json --filter "label=io.podman.compose.project=$PROJECT" \
  --filter label=com.docker.compose.service=db >"$OUT/ps-compose-labels.json"
podman_user container inspect --format json -- "${PROJECT}_db_1" >"$OUT/container-inspect-running.json"
podman_user container inspect --format json -- "${PROJECT}_absent" \
  >/dev/null 2>"$OUT/container-inspect-missing.stderr.txt" || true
podman_user exec "${PROJECT}_db_1" sh -c 'exit 3' || true
podman_user exec "${PROJECT}_db_1" no-such-command 2>"$OUT/exec-missing-command.stderr.txt" || true
podman_user stop --time 1 -- "${PROJECT}_db_1" >/dev/null
podman_user events --format json --since "$since" --until 1s --filter "container=${PROJECT}_db_1" \
  >"$OUT/events-container.jsonl"
podman_user events --format json --since "$since" --until 1s --filter type=volume |
  grep -F "\"$PROJECT" >"$OUT/events-volume.jsonl"

# The `"/" is not a shared mount` warning appears when podman creates its user namespace; a private
# XDG_RUNTIME_DIR and store give this one command a fresh namespace without disturbing the user's.
chown "$E2E_USER:" "$ISO"
(cd "$E2E_HOME" && runuser -u "$E2E_USER" -- env -i HOME="$E2E_HOME" PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$ISO/xdg" \
  sh -c "mkdir -p -m 700 '$ISO/xdg' && podman --root '$ISO/root' --runroot '$ISO/run' --storage-driver vfs \
    volume inspect nope" >/dev/null 2>"$OUT/stderr-missing-volume-fresh-namespace.txt") || true

echo "fixtures written to $OUT:"
ls -l "$OUT"
