import { type Owner, PhoenixError } from '@phoenix-hydra/core';

/** `--user` value from an Owner (`999:999`) or a name/uid string passed through. */
export function userArgs(user: string | Owner | undefined): string[] {
  if (user === undefined) return [];
  return ['--user', typeof user === 'string' ? user : `${user.uid}:${user.gid}`];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--env NAME` per variable: podman reads the value from its own environment, so secrets never reach argv. */
export function envArgs(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.keys(env ?? {}).flatMap((name) => {
    if (!ENV_NAME.test(name)) throw new PhoenixError('USAGE', `invalid environment variable name: ${name}`);
    return ['--env', name];
  });
}

/** Rejects a container or image reference podman would parse as a flag. */
export function requireRef(ref: string, what: string): string {
  if (ref === '' || ref.startsWith('-'))
    throw new PhoenixError('USAGE', `invalid ${what}: ${JSON.stringify(ref)}`);
  return ref;
}
