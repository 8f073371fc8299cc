import type { Exec } from '@phoenix-hydra/backup';
import { PhoenixError } from '@phoenix-hydra/core';
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

/** POSTGRES_USER / POSTGRES_DB as the database container was started with (the official image's defaults otherwise). */
export async function postgresIdentity(
  podman: Podman,
  container: string,
  overrides: { user?: string | undefined; database?: string | undefined },
): Promise<{ user: string; database: string }> {
  const read = async (name: string) => {
    const result = await podman.execText(container, ['printenv', name], { reject: false });
    return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
  };
  const user = overrides.user ?? process.env.PGUSER ?? (await read('POSTGRES_USER')) ?? 'postgres';
  const database = overrides.database ?? process.env.PGDATABASE ?? (await read('POSTGRES_DB')) ?? user;
  return { user, database };
}
