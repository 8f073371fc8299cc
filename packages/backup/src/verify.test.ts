import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupOne, tempDir } from '../test/helpers.ts';
import { verifyBackup } from './verify.ts';
import { writeArchive } from './write-archive.ts';

async function backupOf(volume: string) {
  const backup = await backupOne(volume);
  return { ...backup, manifestPath: join(backup.dir, 'manifest.json') };
}

async function smallVolume(): Promise<string> {
  const volume = await tempDir();
  await mkdir(join(volume, 'conf'));
  await writeFile(join(volume, 'conf/a.conf'), 'listen 8080;\n');
  await writeFile(join(volume, 'index.html'), '<h1>hi</h1>\n');
  return volume;
}

describe('verifyBackup and completeness', () => {
  it('fails an archive that matches its manifest in size, sha256, entry count and bytes but holds other entries', async () => {
    const volume = await smallVolume();
    const { backupDir, id, dir, manifestPath } = await backupOf(volume);
    // Another archive with as many entries and content bytes, and a manifest rewritten for its bytes.
    await rename(join(volume, 'index.html'), join(volume, 'other.html'));
    const other = join(await tempDir(), 'v.tar.zst');
    const stats = await writeArchive({ root: volume, out: other, compression: 'zstd', volume: 'v' });
    await rename(other, join(dir, 'v.tar.zst'));
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    Object.assign(manifest.volumes[0], { sha256: stats.sha256, artifactBytes: stats.artifactBytes });
    expect(manifest.volumes[0]).toMatchObject({ entries: stats.entries, bytes: stats.bytes });
    await writeFile(manifestPath, JSON.stringify(manifest));
    const result = await verifyBackup(backupDir, id);
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(
      /v: the archive's list of entries does not match the manifest/,
    );
  });

  it('still verifies a schema 1 manifest, saying that its completeness was not recorded', async () => {
    const { backupDir, id, manifestPath } = await backupOf(await smallVolume());
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.schemaVersion = 1;
    delete manifest.volumes[0].entryListSha256;
    await writeFile(manifestPath, JSON.stringify(manifest));
    const result = await verifyBackup(backupDir, id);
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(result.notes).toEqual([
      expect.stringMatching(
        /^v: manifest schema 1 does not record the entry list: completeness cannot be checked/,
      ),
    ]);
  });
});
