#!/usr/bin/env bash
# Runs inside the debootstrapped rootfs (chroot, as root): gives it the ids the Phoenix Hydra
# stack expects (postgres 999:999 as in the official postgres image, nginx 101:101 as in the
# official nginx image), an official-like layout, and drops what a test image does not need.
set -euo pipefail

# Prints the first id in 100..998 that neither /etc/passwd nor /etc/group uses.
free_id() {
  local id
  for id in $(seq 100 998); do
    if ! getent passwd "$id" >/dev/null && ! getent group "$id" >/dev/null; then
      echo "$id"
      return
    fi
  done
  echo "no free system id" >&2
  exit 1
}

# Moves group NAME to gid NEW (first moving any other group off NEW) and re-owns its files.
move_group() {
  local name=$1 new=$2 old holder
  old=$(getent group "$name" | cut -d: -f3)
  [ "$old" = "$new" ] && return
  holder=$(getent group "$new" | cut -d: -f1 || true)
  if [ -n "$holder" ]; then move_group "$holder" "$(free_id)"; fi
  groupmod -g "$new" "$name"
  find / -xdev -gid "$old" -exec chgrp -h "$new" '{}' +
}

# Moves user NAME to uid NEW (first moving any other user off NEW) and re-owns its files.
move_user() {
  local name=$1 new=$2 old holder
  old=$(id -u "$name")
  [ "$old" = "$new" ] && return
  holder=$(getent passwd "$new" | cut -d: -f1 || true)
  if [ -n "$holder" ]; then move_user "$holder" "$(free_id)"; fi
  usermod -u "$new" "$name"
  find / -xdev -uid "$old" -exec chown -h "$new" '{}' +
}

move_group postgres 999
move_user postgres 999
[ "$(id -g postgres)" = 999 ] || usermod -g postgres postgres

if getent group 101 >/dev/null && [ "$(getent group 101 | cut -d: -f1)" != nginx ]; then
  move_group "$(getent group 101 | cut -d: -f1)" "$(free_id)"
fi
getent group nginx >/dev/null || groupadd -r -g 101 nginx
if getent passwd 101 >/dev/null && [ "$(getent passwd 101 | cut -d: -f1)" != nginx ]; then
  move_user "$(getent passwd 101 | cut -d: -f1)" "$(free_id)"
fi
getent passwd nginx >/dev/null ||
  useradd -r -u 101 -g nginx -d /nonexistent -M -s /usr/sbin/nologin -c 'nginx user' nginx

# PostgreSQL: no Debian cluster; PGDATA and the socket dir usable by postgres or any other uid.
rm -rf /etc/postgresql/15/main /var/lib/postgresql/15 /var/log/postgresql/*
install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data
install -d -o postgres -g postgres -m 3777 /run/postgresql
install -d -m 755 /docker-entrypoint-initdb.d

# nginx: only conf.d, real log files (the logs volume is mounted on /var/log/nginx).
rm -f /etc/nginx/sites-enabled/default
rm -f /var/log/nginx/*.log
install -d -o root -g root -m 755 /var/log/nginx

# Size: downloaded .debs, apt lists, docs, man pages and translations (~230 MB).
rm -rf /var/cache/apt/archives/*.deb /var/cache/apt/*.bin /var/lib/apt/lists/* \
  /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* /var/cache/debconf/*-old
