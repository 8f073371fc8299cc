/** The port nginx can bind in rootless podman as a non-root user: ports below 1024 need root of the container. */
export const UNPRIVILEGED_NGINX_PORT = 8080;

/**
 * The port a starter server block listens on for a service's declared `user:`: 80 when nginx starts as
 * root (no user, uid 0 or `root`: the image drops to its own user after binding), 8080 for any other uid
 * or name (`user: nginx` is uid 101 in the image), which cannot bind a port below 1024 in a rootless container.
 */
export function starterListenPort(
  user: { uid?: number | undefined; gid?: number | undefined } | undefined,
  userName?: string,
): number {
  if (user?.uid !== undefined) return user.uid === 0 ? 80 : UNPRIVILEGED_NGINX_PORT;
  return userName === undefined || userName === 'root' ? 80 : UNPRIVILEGED_NGINX_PORT;
}

/** The `default.conf` setup seeds into an empty nginx_config volume: a page on `port` and /healthz. */
export function nginxDefaultConf(port: number): string {
  return `# Seeded by phoenix-volumes setup; edit freely, it is not overwritten.
server {
    listen ${port};
    server_name _;

    location = /healthz {
        access_log off;
        default_type text/plain;
        return 200 "ok\\n";
    }

    location / {
        default_type text/html;
        return 200 "<!doctype html><title>Phoenix Hydra</title><h1>Phoenix Hydra is running</h1>\\n";
    }
}
`;
}

/** The starter `default.conf` for nginx started as root (port 80). */
export const NGINX_DEFAULT_CONF = nginxDefaultConf(80);
