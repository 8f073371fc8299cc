// A stand-in for nginx-unprivileged, built from the local nginx:stable (no registry here): the official image
// cannot run as the design's user 101:101 (its pid file and temp directories are root's, host notes fact 7), so a
// stack that declares `user: "101:101"` needs an image like this one: pid and temp files in /tmp, errors on
// stderr, the access log in the logs volume. Building it takes about 0.3 s once the base is present.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** The tag the stand-in is built as (in the e2e user's storage; rebuilt by each test file that needs it). */
export const NGINX_UNPRIVILEGED_IMAGE = 'localhost/phoenix-nginx-unprivileged:e2e';

const NGINX_CONF = `worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr notice;
include /etc/nginx/modules-enabled/*.conf;
events { worker_connections 512; }
http {
  client_body_temp_path /tmp/client_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /var/log/nginx/access.log;
  include /etc/nginx/conf.d/*.conf;
}
`;

/** Builds the stand-in in `scratch/image`; throws with podman's message when the build fails. */
export async function buildUnprivilegedNginx(scratch: string): Promise<void> {
  const context = join(scratch, 'image');
  await mkdir(context, { recursive: true });
  await writeFile(join(context, 'nginx.conf'), NGINX_CONF);
  await writeFile(
    join(context, 'Containerfile'),
    'FROM docker.io/library/nginx:stable\nCOPY nginx.conf /etc/nginx/nginx.conf\nUSER 101:101\nEXPOSE 8080\n',
  );
  const built = await execa('podman', ['build', '-q', '-t', NGINX_UNPRIVILEGED_IMAGE, context], {
    reject: false,
  });
  if (built.exitCode !== 0)
    throw new Error(`podman build of ${NGINX_UNPRIVILEGED_IMAGE} failed: ${built.stderr}`);
}
