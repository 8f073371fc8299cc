/** The `default.conf` setup seeds into an empty nginx_config volume: a page on port 80 and /healthz. */
export const NGINX_DEFAULT_CONF = `# Seeded by phoenix-volumes setup; edit freely, it is not overwritten.
server {
    listen 80;
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
