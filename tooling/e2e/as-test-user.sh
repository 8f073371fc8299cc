# Sourced by the packages' test/capture-fixtures.sh (run as root on a host prepared by prepare-host.sh): runs
# commands as the rootless test user with the environment convention of prepare-host.sh (HOME, clean PATH,
# XDG_RUNTIME_DIR=/run/user/<uid>). Sets E2E_USER (default phoenix-e2e), E2E_UID and E2E_HOME; EXTRA_PATH, when
# set, goes in front of the user's PATH.
E2E_USER=${E2E_USER:-phoenix-e2e}
E2E_UID=$(id -u "$E2E_USER")
E2E_HOME=$(getent passwd "$E2E_USER" | cut -d: -f6)

as_user() {
  (cd "$E2E_HOME" && runuser -u "$E2E_USER" -- env -i HOME="$E2E_HOME" USER="$E2E_USER" LOGNAME="$E2E_USER" \
    PATH="${EXTRA_PATH:+$EXTRA_PATH:}/usr/local/bin:/usr/bin:/bin" XDG_RUNTIME_DIR="/run/user/$E2E_UID" "$@")
}
podman_user() { as_user podman "$@"; }

# Removes the isolated podman directory $ISO a script made (if any), stopping its pause process first.
remove_iso() {
  [ -n "${ISO:-}" ] || return 0
  if [ -f "$ISO/xdg/libpod/tmp/pause.pid" ]; then kill "$(cat "$ISO/xdg/libpod/tmp/pause.pid")" 2>/dev/null || true; fi
  rm -rf --one-file-system "$ISO"
}
