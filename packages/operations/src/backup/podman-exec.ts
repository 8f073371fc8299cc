import type { Exec } from '@phoenix-hydra/backup';
import { PhoenixError, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import { type ConnectionOverrides, discoverPostgres } from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';

/** The backup package's injected exec, running commands in a container through `podman exec`. */
export function podmanExec(podman: Podman): Exec {
  return (argv, options) => {
    if (!options.container) throw new PhoenixError('INTERNAL', `no container given for ${argv[0] ?? 'exec'}`);
    return podman.exec(options.container, argv, {
      stdin: options.stdin,
      env: options.env,
      signal: options.signal,
    });
  };
}

/**
 * How pg_dump/pg_restore reach the database in `container`: socket directory and port from the server's
 * postmaster.pid, user and database from flags, the environment, x-phoenix.postgres, the container's
 * POSTGRES_USER/POSTGRES_DB or the design's/image's defaults (diagnostics' discoverPostgres). Never from a manifest.
 */
export async function postgresConnection(
  podman: Podman,
  container: string,
  stack: Pick<Stack, 'composeFile' | 'postgres'>,
  volume: Pick<VolumeSpec, 'containerPath'>,
  overrides: ConnectionOverrides,
): Promise<{ user: string; database: string; host?: string; port?: number }> {
  const { sources: _, ...connection } = await discoverPostgres(
    (argv) => podman.execText(container, argv, { reject: false }),
    { stack, dataDir: volume.containerPath, overrides },
  );
  return connection;
}
