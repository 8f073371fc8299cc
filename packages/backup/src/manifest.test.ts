import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readManifest } from './manifest.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A schema 2 manifest as the previous release wrote it: each volume embeds the stack model's whole spec. */
function schema2(spec: Record<string, unknown>) {
  return {
    schemaVersion: 2,
    id: '20261125T203816Z-95cf75',
    createdAt: '2026-11-25T20:38:16.000Z',
    toolVersion: '0.1.0',
    host: 'h',
    project: 'phoenix-hydra',
    taken: 'offline',
    durationSeconds: 1,
    volumes: [
      {
        name: 'db_data',
        spec,
        strategy: 'archive',
        artifact: 'db_data.tar.zst',
        compression: 'zstd',
        entries: 1,
        bytes: 0,
        artifactBytes: 10,
        sha256: 'a'.repeat(64),
        entryListSha256: 'b'.repeat(64),
      },
    ],
  };
}

async function read(manifest: unknown) {
  const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
  dirs.push(dir);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return readManifest(dir);
}

describe('manifest schemas', () => {
  it('reads an older manifest whatever the stack model of its day required (its own fields are kept)', async () => {
    // The stack model gained and lost fields since (hostPath, services, a new required flag): none matter here.
    const spec = {
      name: 'db_data',
      kind: 'database',
      containerPath: '/var/lib/postgresql/data',
      mode: 0o700,
      owner: { uid: 999, gid: 999 },
      someFutureFlag: true,
    };
    const manifest = await read(schema2(spec));
    expect(manifest.volumes[0]?.about).toEqual({
      kind: 'database',
      containerPath: '/var/lib/postgresql/data',
      mode: 0o700,
      owner: { uid: 999, gid: 999 },
    });
  });

  it('reads a volume whose spec is null or unrecognisable as one with nothing known about it', async () => {
    expect((await read(schema2(null as never))).volumes[0]?.about).toBeNull();
    expect((await read(schema2({ name: 'db_data' }))).volumes[0]?.about).toBeNull();
  });

  it('refuses a manifest of an unknown schema as BACKUP_CORRUPT', async () => {
    await expect(read({ ...schema2({}), schemaVersion: 9 })).rejects.toMatchObject({
      code: 'BACKUP_CORRUPT',
    });
  });
});
