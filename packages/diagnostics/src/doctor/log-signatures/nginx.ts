import type { LogSignature } from './signature.ts';

const SEVERITY = 'error' as const;

/** nginx failures seen under rootless Podman, most specific first (a pid file is also an open() failure). */
export const NGINX_SIGNATURES: readonly LogSignature[] = [
  {
    id: 'PHX-LOG-NGINX-001',
    title: 'nginx cannot bind a port below 1024 as a non-root user',
    severity: SEVERITY,
    pattern: /bind\(\) to (\S+) failed \(13: Permission denied\)/,
    why: 'the service runs as a non-root user (user: "101:101"); in rootless podman only root of the container may bind ports below 1024',
    hint: 'listen on 8080 in the server block and publish "8080:8080", or remove user: so nginx starts as root and drops to user nginx itself',
    fix: null,
  },
  {
    id: 'PHX-LOG-NGINX-002',
    title: 'nginx as a non-root user cannot write its pid file or temp directories',
    severity: SEVERITY,
    pattern:
      /(?:open|mkdir)\(\) "([^"]*(?:\.pid|\/var\/cache\/nginx[^"]*|\/var\/lib\/nginx[^"]*|_temp[^"]*))" failed \(13: Permission denied\)/,
    why: 'the image is built for nginx to start as root: its pid file and cache/temp directories belong to root, so user: "101:101" cannot create them',
    hint: 'remove user: from the service (the image drops to user nginx itself), or use an image built for a non-root user (nginx-unprivileged: pid in /tmp, port 8080)',
    fix: null,
  },
  {
    id: 'PHX-LOG-NGINX-003',
    title: 'nginx cannot open a configuration file',
    severity: SEVERITY,
    pattern: /open\(\) "(\/etc\/nginx\/[^"]*)" failed \((\d+: [^)]*)\)/,
    why: 'a file nginx includes is missing or not readable by the user nginx runs as',
    hint: 'check {1} in the nginx_config volume ({path}): it must exist and be readable (podman unshare chmod a+r FILE); then phoenix-volumes nginx test',
    fix: null,
  },
  {
    id: 'PHX-LOG-NGINX-004',
    title: 'nginx cannot resolve an upstream host',
    severity: SEVERITY,
    pattern: /host not found in upstream "([^"]+)"/,
    why: 'nginx resolves proxy_pass hosts once at start: the upstream container is not running or not on the same network',
    hint: 'start {1} first on the same network (depends_on), or proxy through a variable with a resolver so nginx starts without it',
    fix: null,
  },
  {
    id: 'PHX-LOG-NGINX-005',
    title: 'nginx configuration has an error',
    severity: SEVERITY,
    pattern:
      /\[emerg\] .*(?:unknown directive|unexpected|not allowed here|invalid number of arguments|unexpected end of file|is duplicate).* in (\S+):(\d+)/,
    why: 'nginx refuses to start with any error in its configuration',
    hint: 'fix {1} line {2} (in {path} on the host), then phoenix-volumes nginx test and podman start {container}',
    fix: null,
  },
];
