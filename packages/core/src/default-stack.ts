import { join } from 'node:path';
import { defaultBaseDir } from './base-dir.ts';
import type { Env } from './interpolate.ts';
import { CONTAINER_ROOT } from './kind-defaults.ts';
import type { Stack } from './model.ts';
import { DEFAULT_PROJECT } from './project-name.ts';

/** Options of the built-in stack: the project and base directory, already resolved by the caller if given. */
export interface DefaultStackOptions {
  project?: string;
  baseDir?: string;
  env?: Env;
}

/**
 * The stack of the original Phoenix Hydra design, used when no compose file is found:
 * PostgreSQL 15 running as 999:999 and nginx with a read-only config volume and a log volume.
 */
export function defaultStack(options: DefaultStackOptions = {}): Stack {
  const project = options.project ?? DEFAULT_PROJECT;
  const baseDir = options.baseDir ?? defaultBaseDir(options.env ?? process.env, project);
  return {
    project,
    baseDir,
    composeFile: null,
    services: [
      {
        name: 'db',
        image: 'postgres:15',
        user: { uid: 999, gid: 999 },
        mounts: [{ volume: 'db_data', target: '/var/lib/postgresql/data', readOnly: false, selinux: 'Z' }],
      },
      {
        name: 'nginx',
        image: 'nginx:stable',
        mounts: [
          { volume: 'nginx_config', target: '/etc/nginx/conf.d', readOnly: true, selinux: 'Z' },
          { volume: 'logs', target: '/var/log/nginx', readOnly: false, selinux: 'Z' },
        ],
      },
    ],
    volumes: [
      {
        name: 'db_data',
        kind: 'database',
        hostPath: join(baseDir, 'db_data'),
        containerPath: '/var/lib/postgresql/data',
        mode: 0o700,
        owner: { uid: 999, gid: 999 },
        readOnly: false,
        selinux: 'Z',
        services: ['db'],
        backup: 'postgres-logical',
        external: false,
      },
      {
        name: 'nginx_config',
        kind: 'config',
        hostPath: join(baseDir, 'nginx_config'),
        containerPath: '/etc/nginx/conf.d',
        mode: 0o755,
        owner: { uid: 101, gid: 101 },
        readOnly: true,
        selinux: 'Z',
        services: ['nginx'],
        backup: 'archive',
        external: false,
      },
      {
        name: 'logs',
        kind: 'logs',
        hostPath: join(baseDir, 'logs'),
        containerPath: '/var/log/nginx',
        mode: 0o755,
        // nginx's master process stays root and opens the log files itself (workers only inherit the
        // descriptors), so the directory belongs to root in the container: the host user, rootless.
        owner: { ...CONTAINER_ROOT },
        readOnly: false,
        selinux: 'Z',
        services: ['nginx'],
        backup: 'archive',
        external: false,
      },
    ],
  };
}
