// The original design's stack as its users run it: no POSTGRES_* in the compose file, the superuser
// windmill_user and the database windmill made beforehand (by the original scripts; here by initdb in
// a throwaway container, since the image's entrypoint cannot initialise without POSTGRES_PASSWORD).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isolatedProjectDir } from '@phoenix-hydra/e2e/cli-harness';
import { IMAGES, runAs999Args } from '@phoenix-hydra/e2e/host';
import { execa } from 'execa';
import { buildUnprivilegedNginx, NGINX_UNPRIVILEGED_IMAGE } from './nginx-unprivileged.ts';

const DB_ENVIRONMENT =
  /^ {4}environment:\n {6}POSTGRES_DB: .*\n {6}POSTGRES_USER: .*\n {6}POSTGRES_PASSWORD: .*\n/m;

/** How the variant differs from the fixture. */
export interface DesignVariant {
  /** Extra arguments of the postgres server (e.g. ['-k', '/tmp'] for another socket directory). */
  serverArgs?: string[];
  /** nginx as the design declares it: `user: "101:101"` and no `ports:`. */
  nginxAsDesigned?: boolean;
}

/** The fixture compose file in its own project directory, with the design's database (no POSTGRES_*). */
export async function designVariantDir(
  name: string,
  port: number,
  variant: DesignVariant = {},
): Promise<string> {
  const dir = await isolatedProjectDir(name, port);
  const file = join(dir, 'podman-compose.yaml');
  let text = await readFile(file, 'utf8');
  if (!DB_ENVIRONMENT.test(text)) throw new Error('the fixture no longer has the db environment block');
  const command = variant.serverArgs?.length
    ? `    command: ${JSON.stringify(['postgres', ...variant.serverArgs])}\n`
    : '';
  text = text.replace(DB_ENVIRONMENT, command);
  if (variant.nginxAsDesigned) {
    text = text.replace(/^ {4}ports:\n {6}- ".*"\n/m, '    user: "101:101"\n');
    // The official image cannot run as 101:101; the design's users need an unprivileged nginx image.
    await buildUnprivilegedNginx(dir);
    text = text.replace(/^ {4}image: nginx:stable$/m, `    image: ${NGINX_UNPRIVILEGED_IMAGE}`);
    if (!text.includes(NGINX_UNPRIVILEGED_IMAGE)) throw new Error('the fixture no longer names nginx:stable');
  }
  if (/POSTGRES_/.test(text)) throw new Error('the variant still names POSTGRES_*');
  await writeFile(file, text);
  return dir;
}

/**
 * Initialises the (set-up, 999:999-owned) database directory as the design's data: superuser
 * windmill_user, database windmill, local connections trusted, in a throwaway container as 999:999.
 */
export async function initDesignDatabase(hostPath: string): Promise<void> {
  const script = [
    'set -e',
    'initdb --username=windmill_user --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null',
    `pg_ctl -D "$PGDATA" -o "-k /tmp -c listen_addresses=''" -w start >/dev/null`,
    'createdb -h /tmp -U windmill_user windmill',
    'pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null',
  ].join('\n');
  await execa(
    'podman',
    runAs999Args(`${hostPath}:/var/lib/postgresql/data:Z`, [
      '--entrypoint',
      'bash',
      IMAGES.postgres,
      '-c',
      script,
    ]),
  );
}
