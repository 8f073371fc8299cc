import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A unit test although slow (about 30 s): it needs no podman, but it writes `dist/` into the package,
 * which the e2e user cannot. The package as users get it: built to JS, packed with `pnpm pack` (workspace ranges and
 * publishConfig applied), installed alone with npm into an empty project next to the packed errors package (its only
 * dependency of ours),
 * and driven by plain Node with type stripping off.
 */
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const errorsDir = join(packageDir, '../errors');
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };

function sh(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let work = '';
let app = '';

describe('the published package', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'phoenix-pack-'));
    sh('pnpm', ['exec', 'tsc', '-p', 'tsconfig.build.json'], packageDir);
    sh('pnpm', ['pack', '--pack-destination', work], packageDir);
    // errors is built and packed from a copy, so this test writes nothing into another package's folder.
    const errors = join(work, 'errors');
    await mkdir(errors);
    sh(
      'pnpm',
      ['exec', 'tsc', '-p', join(errorsDir, 'tsconfig.build.json'), '--outDir', join(errors, 'dist')],
      packageDir,
    );
    const manifest = JSON.parse(await readFile(join(errorsDir, 'package.json'), 'utf8'));
    delete manifest.devDependencies; // workspace-only tooling; not published
    await writeFile(join(errors, 'package.json'), JSON.stringify(manifest, null, 2));
    await copyFile(join(errorsDir, 'README.md'), join(errors, 'README.md')).catch(() => {});
    sh('pnpm', ['pack', '--pack-destination', work], errors);
    app = join(work, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    // zod, backup's one other dependency, comes from this checkout's node_modules as a tarball too, and npm runs
    // offline with an empty cache of its own: the install needs no registry, no credentials and no user's npm cache.
    // pnpm's store hard-links files of equal content, and npm skips hard-link entries: tar stores each file whole.
    const zod = await realpath(join(packageDir, 'node_modules/zod'));
    sh(
      'tar',
      ['-czf', join(work, 'zod.tgz'), '--hard-dereference', '-C', zod, '--transform', 's,^\\.,package,', '.'],
      work,
    );
    const tarballs = ['phoenix-hydra-errors-0.1.0.tgz', 'phoenix-hydra-backup-0.1.0.tgz', 'zod.tgz'].map(
      (t) => join(work, t),
    );
    sh(
      'npm',
      [
        'install',
        '--offline',
        '--cache',
        join(work, 'npm-cache'),
        '--no-update-notifier',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...tarballs,
      ],
      app,
    );
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('contains only dist and the README, with exports on dist and a real version range for errors, the only package of ours it needs', () => {
    const files = sh('tar', ['-tzf', join(work, 'phoenix-hydra-backup-0.1.0.tgz')], work)
      .split('\n')
      .filter(Boolean);
    expect(files.filter((f) => !f.startsWith('package/dist/'))).toEqual([
      'package/README.md',
      'package/package.json',
    ]);
    expect(files).toContain('package/dist/index.js');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const published = JSON.parse(
      sh('tar', ['-xzOf', join(work, 'phoenix-hydra-backup-0.1.0.tgz'), 'package/package.json'], work),
    );
    expect(published.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(published.dependencies['@phoenix-hydra/errors']).toBe('^0.1.0');
    expect(Object.keys(published.dependencies).filter((d) => d.startsWith('@phoenix-hydra/'))).toEqual([
      '@phoenix-hydra/errors',
    ]);
  });

  it('backs up, verifies and restores a directory with plain Node', async () => {
    await mkdir(join(app, 'data/sub'), { recursive: true });
    await writeFile(join(app, 'data/sub/hello.txt'), 'hello from the tarball\n');
    const script = `
      import { createBackup, listBackups, restoreBackup, verifyBackup } from '@phoenix-hydra/backup';
      const manifest = await createBackup({ backupDir: 'backups', project: 'app', volumes: [{ name: 'data', strategy: 'archive', path: 'data' }], taken: 'offline' });
      const verified = await verifyBackup('backups', manifest.id);
      const restored = await restoreBackup({ backupDir: 'backups', id: manifest.id, volume: 'data', targetPath: 'restored' });
      console.log(JSON.stringify({ ok: verified.ok, listed: (await listBackups('backups')).length, version: manifest.toolVersion, restored }));
    `;
    const out = JSON.parse(
      sh(process.execPath, ['--no-experimental-strip-types', '--input-type=module', '-e', script], app),
    );
    expect(out).toMatchObject({
      ok: true,
      listed: 1,
      version: '0.1.0',
      restored: { targetPath: join(app, 'restored'), preRestorePath: null },
    });
    expect(await readFile(join(app, 'restored/sub/hello.txt'), 'utf8')).toBe('hello from the tarball\n');
  });
});
