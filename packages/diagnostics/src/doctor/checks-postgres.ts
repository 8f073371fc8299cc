import { join } from 'node:path';
import type { VolumeObservation } from '../observe.ts';
import { probeImage } from '../probe-volume.ts';
import { WRITE_PROBE_PREFIX } from './checks-probe.ts';
import type { DoctorContext } from './context.ts';
import { type Finding, finding } from './finding.ts';
import { parsePostgresMajor } from './parse-outputs.ts';
import type { DoctorCheck } from './run-doctor.ts';

/** Files a fresh filesystem puts in its root, which initdb tolerates as little as any other. */
const SHOWN_ENTRIES = 5;

/**
 * Names in a database directory, read inside the user namespace (postgres's 0700 directory is closed to
 * you); the write probe's file of the same doctor run is not one of them.
 */
async function entries(ctx: DoctorContext, dir: string): Promise<string[]> {
  const found = await ctx.unshare(['find', dir, '-mindepth', '1', '-maxdepth', '1', '-printf', '%f\\0']);
  if (found.exitCode !== 0) throw new Error(`cannot list ${dir}: ${found.stderr.trim()}`);
  return found.stdout.split('\0').filter((name) => name !== '' && !name.startsWith(WRITE_PROBE_PREFIX));
}

async function databases(ctx: DoctorContext): Promise<(VolumeObservation & { names: string[] })[]> {
  const { volumes } = await ctx.observation();
  const dbs = volumes.filter((v) => v.spec.kind === 'database' && v.dir?.type === 'directory');
  return Promise.all(dbs.map(async (v) => ({ ...v, names: await entries(ctx, v.spec.hostPath) })));
}

const notEmptyNoVersion: DoctorCheck = {
  id: 'PHX-PG-001',
  title: 'database directory is not empty but holds no database',
  severity: 'error',
  why: 'the postgres image runs initdb when PG_VERSION is missing, and initdb refuses: "initdb: directory exists but is not empty"',
  async run(ctx) {
    return (await databases(ctx))
      .filter((v) => v.names.length > 0 && !v.names.includes('PG_VERSION'))
      .map((v) =>
        finding(this, {
          volume: v.spec.name,
          message: `${v.spec.hostPath} holds ${v.names.length} entries (${v.names.slice(0, SHOWN_ENTRIES).join(', ')}${v.names.length > SHOWN_ENTRIES ? ', ...' : ''}) but no PG_VERSION`,
          evidence: { path: v.spec.hostPath, entries: v.names.slice(0, 20), count: v.names.length },
          hint: `move the files away, then set it up again: podman unshare mv ${v.spec.hostPath} ${v.spec.hostPath}.old && phoenix-volumes setup`,
        }),
      );
  },
};

/** The major version of PostgreSQL in an image, read from a throwaway container. */
async function imageMajor(ctx: DoctorContext, image: string): Promise<number | null> {
  const script = 'postgres --version 2>/dev/null || ls /usr/lib/postgresql';
  const result = await ctx.run(image, ['-c', script], { entrypoint: 'sh' });
  return result.exitCode === 0 ? parsePostgresMajor(result.stdout) : null;
}

const versionMismatch: DoctorCheck = {
  id: 'PHX-PG-002',
  title: "database was made by another PostgreSQL major version than the image's",
  severity: 'error',
  why: 'postgres refuses to start on a data directory of another major version ("database files are incompatible with server")',
  async run(ctx) {
    const found = await Promise.all(
      (await databases(ctx))
        .filter((v) => v.names.includes('PG_VERSION'))
        .map(async (v): Promise<Finding[]> => {
          const file = join(v.spec.hostPath, 'PG_VERSION');
          const read = await ctx.unshare(['cat', '--', file]);
          const dataMajor = parsePostgresMajor(read.stdout);
          const image = probeImage(ctx.stack, v.spec);
          if (dataMajor === null || !image) return [];
          if (!(await ctx.imageExists(image))) {
            const message = `not checked: image ${image} is not present locally`;
            return [finding(this, { volume: v.spec.name, severity: 'info', status: 'skip', message })];
          }
          const major = await imageMajor(ctx, image);
          if (major === null || major === dataMajor) return [];
          return [
            finding(this, {
              volume: v.spec.name,
              message: `${file} says ${dataMajor}, but ${image} runs PostgreSQL ${major}`,
              evidence: { path: file, dataVersion: dataMajor, imageVersion: major, image },
              hint: `run the data with postgres:${dataMajor} and dump it (phoenix-volumes backup create), then restore into a fresh ${major} directory; or pg_upgrade`,
            }),
          ];
        }),
    );
    return found.flat();
  },
};

/** The database volume: initdb would fail, or postgres would refuse the data. */
export const postgresChecks: readonly DoctorCheck[] = [notEmptyNoVersion, versionMismatch];
