#!/usr/bin/env bash
# Turns a fresh Debian 12 machine into the rootless Podman e2e test host (run as root; `pnpm e2e:host`).
# Idempotent: every step checks before it acts, so a re-run on a prepared host takes a few seconds.
# Facts behind each step: /work/shared/podman-test-host.md; conventions: tooling/e2e/README.md.
set -euo pipefail

E2E_USER=phoenix-e2e
IMAGE_REPO=localhost/phoenix-hydra-test
PROBE_IMAGE=$IMAGE_REPO:latest
POSTGRES_IMAGE=docker.io/library/postgres:15
NGINX_IMAGE=docker.io/library/nginx:stable
RECIPE_LABEL=io.phoenix-hydra.e2e.recipe
CACHE_DIR=/var/cache/phoenix-e2e
REQUIRED_PACKAGES=(podman runc uidmap slirp4netns fuse-overlayfs podman-compose debootstrap zstd postgresql-15 nginx-light restic rclone)
OPTIONAL_PACKAGES=(prometheus) # gives promtool; installed without its recommends (node-exporter)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RECIPE_DIR=$HERE/image
ROOTFS_FILES=("$RECIPE_DIR/customize-rootfs.sh" "$RECIPE_DIR/docker-entrypoint.sh" "$RECIPE_DIR/nginx.conf" "$RECIPE_DIR/default.conf")
CONTAINERFILES=("$RECIPE_DIR/probe.Containerfile" "$RECIPE_DIR/postgres.Containerfile" "$RECIPE_DIR/nginx.Containerfile")
export DEBIAN_FRONTEND=noninteractive

T_START=${EPOCHREALTIME/./}
SUMMARY=()

note() { printf '    %s\n' "$*"; }
warn() { printf '    WARNING: %s\n' "$*" >&2; }
die() {
  printf 'prepare-host: %s\n' "$*" >&2
  exit 1
}

# Runs one named step and records how long it took.
step() {
  local name=$1 t0 ms
  shift
  printf '==> %s\n' "$name"
  t0=${EPOCHREALTIME/./}
  "$@"
  ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
  printf '    (%d.%03d s)\n' $((ms / 1000)) $((ms % 1000))
  SUMMARY+=("$(printf '%8d.%03d s  %s' $((ms / 1000)) $((ms % 1000)) "$name")")
}

# Runs a command as the test user with the environment convention of README.md:
# HOME, a clean PATH and XDG_RUNTIME_DIR=/run/user/<uid>, from the user's home directory.
as_user() {
  (cd "$E2E_HOME" && runuser -u "$E2E_USER" -- env -i HOME="$E2E_HOME" USER="$E2E_USER" \
    LOGNAME="$E2E_USER" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$E2E_RUNTIME_DIR" "$@")
}

# Podman as the test user, without the harmless `"/" is not a shared mount` warning of this sandbox.
podman_user() {
  as_user podman "$@" 2> >(grep -v 'is not a shared mount' >&2)
}

installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = 'ii ' ]; }

# Writes stdin to FILE (mode MODE, owner OWNER) only if the content differs; sets WROTE to 1 or 0.
write_file() {
  local file=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  WROTE=0
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    note "unchanged $file"
    return
  fi
  install -D -m "$mode" -o "$owner" -g "$owner" "$tmp" "$file"
  rm -f "$tmp"
  WROTE=1
  note "wrote $file"
}

step_packages() {
  local missing=() p policy_rc=/usr/sbin/policy-rc.d fresh_postgres=0
  # One dpkg-query for all packages keeps the re-run fast.
  mapfile -t missing < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
    "${REQUIRED_PACKAGES[@]}" "${OPTIONAL_PACKAGES[@]}" 2>&1 |
    awk '/^dpkg-query: no packages found matching/ { print $NF; next } $2 != "ii" { print $1 }')
  if [ ${#missing[@]} -eq 0 ]; then
    note "all present: ${REQUIRED_PACKAGES[*]} ${OPTIONAL_PACKAGES[*]}"
    return
  fi
  installed postgresql-15 || fresh_postgres=1
  note "installing: ${missing[*]}"
  # Keep packages from starting services while installing (the host needs none of them running).
  if [ ! -e "$policy_rc" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
    chmod 755 "$policy_rc"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local log=$CACHE_DIR/apt.log required=()
  install -d -m 755 "$CACHE_DIR"
  note "apt output: $log"
  apt-get update >"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    die "apt-get update failed; full log: $log"
  }
  for p in "${REQUIRED_PACKAGES[@]}"; do installed "$p" || required+=("$p"); done
  if [ ${#required[@]} -gt 0 ]; then
    apt-get install -y -o Dpkg::Use-Pty=0 "${required[@]}" >>"$log" 2>&1 || {
      tail -n 20 "$log" >&2
      die "apt-get install ${required[*]} failed; full log: $log"
    }
  fi
  for p in "${OPTIONAL_PACKAGES[@]}"; do
    installed "$p" && continue
    apt-get install -y -o Dpkg::Use-Pty=0 --no-install-recommends "$p" >>"$log" 2>&1 ||
      warn "could not install $p (promtool checks will be unavailable); continuing"
  done
  rm -f "$policy_rc"
  trap - EXIT
  # A freshly installed postgresql-15 creates cluster 15/main; keep it from ever holding port 5432
  # (an existing host cluster is left as its admin configured it).
  if [ "$fresh_postgres" = 1 ] && [ -f /etc/postgresql/15/main/start.conf ]; then
    pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
    echo manual >/etc/postgresql/15/main/start.conf
    note "host cluster 15/main set to manual start (stopped)"
  fi
}

step_tun() {
  if [ ! -c /dev/net/tun ]; then
    mkdir -p /dev/net
    mknod /dev/net/tun c 10 200
    note "created /dev/net/tun"
  fi
  if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
    chmod 666 /dev/net/tun
    note "chmod 666 /dev/net/tun (rootless slirp4netns networking)"
  else
    note "/dev/net/tun is 0666"
  fi
}

# Prints the first subordinate id after every range already in FILE (at least 100000).
next_subid() {
  awk -F: 'BEGIN { n = 100000 } NF == 3 && $2 + $3 > n { n = $2 + $3 } END { print n }' "$1"
}

step_user() {
  if ! id "$E2E_USER" >/dev/null 2>&1; then
    useradd -m -s /bin/bash "$E2E_USER"
    note "created user $E2E_USER"
  else
    note "user $E2E_USER exists"
  fi
  E2E_UID=$(id -u "$E2E_USER")
  E2E_HOME=$(getent passwd "$E2E_USER" | cut -d: -f6)
  E2E_RUNTIME_DIR=/run/user/$E2E_UID
  local file start added=0
  for file in /etc/subuid /etc/subgid; do
    touch "$file"
    if ! grep -q "^$E2E_USER:" "$file"; then
      start=$(next_subid "$file")
      echo "$E2E_USER:$start:65536" >>"$file"
      note "added $E2E_USER:$start:65536 to $file"
      added=1
    fi
  done
  note "$(grep "^$E2E_USER:" /etc/subuid | sed 's/^/subuid /') / $(grep "^$E2E_USER:" /etc/subgid | sed 's/^/subgid /')"
  if [ "$added" = 1 ] && [ -d "$E2E_HOME/.local/share/containers/storage" ]; then
    E2E_NEEDS_MIGRATE=1
  fi
  if [ -d /run/systemd/system ] && command -v loginctl >/dev/null; then
    loginctl enable-linger "$E2E_USER" && note "enabled linger for $E2E_USER"
  else
    note "no systemd: no linger; XDG_RUNTIME_DIR is managed below"
  fi
}

# No systemd login session creates /run/user/<uid> here. Without XDG_RUNTIME_DIR podman silently
# falls back to /tmp/podman-run-<uid> and /tmp/containers-user-<uid>, so callers that do and do not
# set it would see different container state. Convention: always /run/user/<uid>, 0700, owned by the user.
step_runtime_dir() {
  if [ ! -d "$E2E_RUNTIME_DIR" ]; then
    install -d -m 700 -o "$E2E_USER" -g "$E2E_USER" "$E2E_RUNTIME_DIR"
    note "created $E2E_RUNTIME_DIR"
  else
    chown "$E2E_USER:$E2E_USER" "$E2E_RUNTIME_DIR"
    chmod 700 "$E2E_RUNTIME_DIR"
    note "$E2E_RUNTIME_DIR exists"
  fi
  # Login shells (`su - phoenix-e2e`) get the same convention.
  local profile=$E2E_HOME/.profile marker='# phoenix-e2e: podman runtime dir'
  if ! grep -qF "$marker" "$profile" 2>/dev/null; then
    printf '\n%s (see tooling/e2e/README.md)\nexport XDG_RUNTIME_DIR=/run/user/$(id -u)\n' "$marker" >>"$profile"
    chown "$E2E_USER:$E2E_USER" "$profile"
    note "XDG_RUNTIME_DIR exported from $profile"
  fi
}

step_podman_config() {
  local dir=$E2E_HOME/.config/containers changed=0
  install -d -m 755 -o "$E2E_USER" -g "$E2E_USER" "$E2E_HOME/.config" "$dir"
  # runc: crun fails on this hybrid cgroup v1 host. ulimits: podman's default nofile is above the hard limit.
  write_file "$dir/containers.conf" 644 "$E2E_USER" <<'EOF'
# Written by tooling/e2e/prepare-host.sh
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
EOF
  # Native rootless overlay: vfs (the default here) copies the whole image for every container.
  write_file "$dir/storage.conf" 644 "$E2E_USER" <<'EOF'
# Written by tooling/e2e/prepare-host.sh
[storage]
driver = "overlay"
EOF
  changed=$WROTE
  # Short names (postgres:15, nginx:stable in the fixture compose file) resolve to docker.io/library/*,
  # which this script builds locally; no registry is ever asked.
  write_file "$dir/registries.conf" 644 "$E2E_USER" <<'EOF'
# Written by tooling/e2e/prepare-host.sh
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
EOF
  local storage=$E2E_HOME/.local/share/containers/storage
  if [ -d "$storage/vfs-images" ] || { [ "$changed" = 1 ] && [ -d "$storage" ] && [ ! -d "$storage/overlay-images" ]; }; then
    note "storage was initialised without overlay: podman system reset -f"
    podman_user system reset -f
  elif [ "${E2E_NEEDS_MIGRATE:-0}" = 1 ]; then
    note "subordinate ids changed: podman system migrate"
    podman_user system migrate
  fi
}

debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# The image recipe: everything here and in ROOTFS_FILES feeds BASE_HASH, so editing it rebuilds.
# Two stages so the second runs with dpkg's fsyncs off and without Debian's default cluster (an initdb
# nobody uses). Downloads stay in $CACHE_DIR/debs, so a recipe change does not download again.
build_rootfs() {
  local out=$1 root debs=$CACHE_DIR/debs log=$CACHE_DIR/debootstrap.log
  root=$(mktemp -d "$CACHE_DIR/rootfs-build.XXXXXX")
  install -d -m 755 "$debs"
  {
    debootstrap --foreign --cache-dir="$debs" --variant=minbase --include=postgresql-15,nginx-light,zstd \
      bookworm "$root" "$(debian_mirror)" &&
      printf 'force-unsafe-io\nforce-confold\nforce-confdef\n' >"$root/etc/dpkg/dpkg.cfg.d/phoenix-e2e-build" &&
      install -d "$root/etc/postgresql-common" &&
      echo 'create_main_cluster = false' >"$root/etc/postgresql-common/createcluster.conf" &&
      chroot "$root" /debootstrap/debootstrap --second-stage
  } >"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    die "debootstrap failed; full log: $log"
  }
  rm -f "$root/etc/dpkg/dpkg.cfg.d/phoenix-e2e-build"
  # Keep only this build's packages in the download cache.
  comm -23 <(ls "$debs" | sort) <(ls "$root/var/cache/apt/archives" | sort) | sed "s|^|$debs/|" | xargs -r rm -f
  install -m 755 "$RECIPE_DIR/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  install -m 644 "$RECIPE_DIR/nginx.conf" "$root/etc/nginx/nginx.conf"
  install -m 644 "$RECIPE_DIR/default.conf" "$root/etc/nginx/conf.d/default.conf"
  install -m 755 "$RECIPE_DIR/customize-rootfs.sh" "$root/tmp/customize-rootfs.sh"
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin bash /tmp/customize-rootfs.sh
  rm -f "$root/tmp/customize-rootfs.sh"
  tar --numeric-owner -C "$root" -cf "$out.partial" .
  mv "$out.partial" "$out"
  rm -rf --one-file-system "$root"
}

# Removes build directories an interrupted run left behind (unmounting anything debootstrap left mounted).
clean_stale_builds() {
  local dir mnt
  for dir in "$CACHE_DIR"/rootfs-build.*; do
    [ -d "$dir" ] || continue
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
      umount -l "$mnt" || true
    done
    rm -rf --one-file-system "$dir"
    note "removed stale $dir"
  done
  rm -f "$CACHE_DIR"/*.partial
}

step_rootfs() {
  install -d -m 755 "$CACHE_DIR"
  ROOTFS_TAR=$CACHE_DIR/rootfs-$BASE_HASH.tar
  if [ -f "$ROOTFS_TAR" ]; then
    note "cached: $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
    return
  fi
  clean_stale_builds
  note "building $ROOTFS_TAR with debootstrap from $(debian_mirror)"
  build_rootfs "$ROOTFS_TAR"
  find "$CACHE_DIR" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$BASE_HASH.tar" -print -delete |
    sed 's/^/    removed old /'
  note "built $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

step_base_image() {
  BASE_IMAGE=$IMAGE_REPO:base-$BASE_HASH
  if podman_user image exists "$BASE_IMAGE"; then
    note "present: $BASE_IMAGE"
    return
  fi
  note "importing $ROOTFS_TAR as $BASE_IMAGE"
  podman_user import --quiet - "$BASE_IMAGE" <"$ROOTFS_TAR" >/dev/null
}

# Builds TAG from one Containerfile on top of BASE_IMAGE: metadata only, no network, no pull.
build_derived() {
  local tag=$1 containerfile=$2 ctx
  ctx=$(mktemp -d)
  install -m 644 "$containerfile" "$ctx/Containerfile"
  chmod 755 "$ctx"
  podman_user build --quiet --pull=never --network none --build-arg "BASE=$BASE_IMAGE" \
    --label "$RECIPE_LABEL=$IMAGES_HASH" -t "$tag" -f "$ctx/Containerfile" "$ctx" >/dev/null
  rm -rf "$ctx"
  note "built $tag"
}

step_images() {
  IMAGES_HASH=$({ echo "$BASE_HASH"; declare -f build_derived; cat "${CONTAINERFILES[@]}"; } | sha256sum | cut -c1-12)
  local labels
  labels=$(podman_user image inspect --format "{{index .Labels \"$RECIPE_LABEL\"}}" \
    "$PROBE_IMAGE" "$POSTGRES_IMAGE" "$NGINX_IMAGE" 2>/dev/null | sort -u || true)
  if [ "$labels" = "$IMAGES_HASH" ]; then
    note "present (recipe $IMAGES_HASH): $PROBE_IMAGE $POSTGRES_IMAGE $NGINX_IMAGE"
    return
  fi
  build_derived "$PROBE_IMAGE" "$RECIPE_DIR/probe.Containerfile"
  build_derived "$POSTGRES_IMAGE" "$RECIPE_DIR/postgres.Containerfile"
  build_derived "$NGINX_IMAGE" "$RECIPE_DIR/nginx.Containerfile"
  IMAGES_BUILT=1
  # Old recipes' images go unless a container still uses them (other engineers' stacks keep theirs).
  podman_user image prune -f >/dev/null
  local old
  for old in $(podman_user images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$IMAGE_REPO:base-*"); do
    [ "$old" = "$BASE_IMAGE" ] && continue
    if podman_user rmi "$old" >/dev/null 2>&1; then note "removed old $old"; else note "kept old $old (in use)"; fi
  done
}

# After a (re)build: short names resolve locally and the probe image has what tests expect.
step_verify() {
  if [ "${IMAGES_BUILT:-0}" != 1 ]; then
    note "images unchanged; skipped"
    return
  fi
  local want ctr got name
  for name in postgres:15 nginx:stable; do
    want=$(podman_user image inspect --format '{{.Id}}' "docker.io/library/$name")
    ctr=$(podman_user create --pull=never --network none "$name")
    got=$(podman_user container inspect --format '{{.Image}}' "$ctr")
    podman_user rm -v "$ctr" >/dev/null # -v: the postgres image declares VOLUME, as the official one does
    [ "$got" = "$want" ] || die "short name $name does not resolve to docker.io/library/$name"
    note "short name $name -> docker.io/library/$name (local, no registry)"
  done
  podman_user run --rm --network none --user 999:999 "$PROBE_IMAGE" \
    sh -c 'id && postgres --version && pg_dump --version && psql --version && stat -c %U /run/postgresql' |
    sed 's/^/    probe: /'
  podman_user run --rm --network none "$PROBE_IMAGE" sh -c 'id nginx && nginx -t 2>&1' | sed 's/^/    probe: /'
}

main() {
  [ "$(id -u)" = 0 ] || die "run as root (it installs packages and creates the $E2E_USER user)"
  grep -q 'VERSION_CODENAME=bookworm' /etc/os-release || warn "not Debian 12 (bookworm); continuing anyway"
  for f in "${ROOTFS_FILES[@]}" "${CONTAINERFILES[@]}"; do [ -f "$f" ] || die "missing recipe file $f"; done
  BASE_HASH=$({ declare -f build_rootfs; cat "${ROOTFS_FILES[@]}"; } | sha256sum | cut -c1-12)

  step 'packages' step_packages
  step '/dev/net/tun' step_tun
  step "user $E2E_USER" step_user
  step 'runtime dir' step_runtime_dir
  step 'podman config' step_podman_config
  step "rootfs (recipe $BASE_HASH)" step_rootfs
  step 'base image' step_base_image
  step 'test images' step_images
  step 'verify' step_verify

  local ms=$(((${EPOCHREALTIME/./} - T_START) / 1000))
  printf '\nprepare-host: done in %d.%03d s\n' $((ms / 1000)) $((ms % 1000))
  printf '%s\n' "${SUMMARY[@]}"
  printf 'test user %s (uid %s), XDG_RUNTIME_DIR=%s\nimages: %s %s %s\n' \
    "$E2E_USER" "$E2E_UID" "$E2E_RUNTIME_DIR" "$PROBE_IMAGE" "$POSTGRES_IMAGE" "$NGINX_IMAGE"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
