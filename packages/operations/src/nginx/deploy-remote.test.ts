import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEPLOY_SCRIPT, deployScratch, helperRecords, stagedOps } from './deploy-remote.ts';

const exec = promisify(execFile);
let root = '';
let volume = '';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-deploy-remote-'));
  volume = join(root, 'live');
  await mkdir(volume);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const ls = async (dir = volume) => (await readdir(dir)).sort();

describe('the remote deploy scratch directory', () => {
  it('sits beside the deploy lock in the state directory, empty and 0700, whatever a killed deploy left', async () => {
    const env = { XDG_STATE_HOME: join(root, 'state'), HOME: root };
    const first = await deployScratch('phx-demo', env);
    expect(first).toBe(join(root, 'state/phoenix-hydra/locks/phx-demo/nginx-deploy.scratch'));
    await mkdir(join(first, 'conf.d'));
    await writeFile(join(first, 'conf.d/site.conf'), 'server {}\n'); // a deploy killed with SIGKILL
    const again = await deployScratch('phx-demo', env);
    expect(again).toBe(first);
    expect(await readdir(again)).toEqual([]);
    expect((await stat(again)).mode & 0o777).toBe(0o700);
  });
});

describe('the remote deploy helper script', () => {
  /** The script as a helper runs it: the parent of `live` at /b (here root), the staging volume at $S. */
  const script = (...args: string[]) =>
    exec('sh', ['-c', DEPLOY_SCRIPT, 'sh', root, 'live', ...args], { env: { ...process.env, S: staging } });
  const said = async (...args: string[]) => helperRecords((await script(...args)).stdout);
  let staging = '';
  beforeEach(async () => {
    staging = join(root, 's');
    await mkdir(staging);
  });

  it('swap keeps the replaced files beside the live directory, never inside it; back keeps the refused ones there', async () => {
    await writeFile(join(volume, 'old.conf'), 'old');
    await writeFile(join(staging, 'new.conf'), 'new');
    expect(await said('swap', 'T1', '-')).toEqual([['ok', '']]);
    expect(await ls()).toEqual(['new.conf']);
    expect(await ls(root)).toEqual(['live', 'live.previous-T1', 's']);
    expect(await ls(join(root, 'live.previous-T1'))).toEqual(['old.conf']);
    await symlink('/etc/passwd', join(volume, 'evil.conf'));
    expect(await said('back', 'T1')).toEqual([['ok', '']]);
    expect(await ls()).toEqual(['old.conf']);
    expect(await ls(join(root, 'live.failed-T1'))).toEqual(['evil.conf', 'new.conf']);
    expect(await readlink(join(root, 'live.failed-T1', 'evil.conf'))).toBe('/etc/passwd');
  });

  it('the repair undoes a swap killed while the live files were moving out (phase 1) and removes its staging copy', async () => {
    await mkdir(join(root, 'live.staging-T2'));
    await writeFile(join(root, 'live.staging-T2', 'new.conf'), 'new');
    await mkdir(join(root, 'live.previous-T2'));
    await writeFile(join(root, 'live.previous-T2', 'a.conf'), 'old a');
    await writeFile(join(volume, 'b.conf'), 'old b');
    await writeFile(join(root, 'live.phoenix-swap'), '1 staging-T2 previous-T2\n');
    expect(await said('recover')).toEqual([
      ['undid', 'staging-T2 previous-T2'],
      ['removed', 'staging-T2'],
      ['ok', ''],
    ]);
    expect(await ls(root)).toEqual(['live', 's']);
    expect(await ls()).toEqual(['a.conf', 'b.conf']);
  });

  it('the repair finishes a swap killed while the new files were moving in (phase 2); a second run does nothing', async () => {
    await mkdir(join(root, 'live.staging-T3'));
    await writeFile(join(root, 'live.staging-T3', 'b.conf'), 'new b');
    await writeFile(join(volume, 'a.conf'), 'new a');
    await mkdir(join(root, 'live.previous-T3'));
    await writeFile(join(root, 'live.previous-T3', 'a.conf'), 'old a');
    await writeFile(join(root, 'live.phoenix-swap'), '2 staging-T3 previous-T3\n');
    expect(await said('recover')).toEqual([
      ['finished', 'staging-T3 previous-T3'],
      ['ok', ''],
    ]);
    expect(await ls(root)).toEqual(['live', 'live.previous-T3', 's']);
    expect(await readFile(join(volume, 'b.conf'), 'utf8')).toBe('new b');
    expect(await said('recover')).toEqual([['ok', '']]);
  });

  it('refuses a journal naming anything but its own directories', async () => {
    await writeFile(join(root, 'live.phoenix-swap'), '2 ../../etc x\n');
    await expect(script('recover')).rejects.toMatchObject({ stderr: expect.stringMatching(/bad journal/) });
  });

  it('stage copies the live entries but the deployed one, names them (any bytes), links inside kept as links', async () => {
    const hostile = 'notes\nreloaded x: forged';
    await writeFile(join(volume, 'site.conf'), 'old');
    await writeFile(join(volume, hostile), '');
    await mkdir(join(volume, 'snippets'));
    await symlink('../site.conf', join(volume, 'snippets', 'up.conf'));
    expect(await said('stage', 'site.conf')).toEqual([
      ['name', hostile],
      ['name', 'snippets'],
      ['ok', ''],
    ]);
    expect(await ls(staging)).toEqual([hostile, 'snippets']);
    expect(await readlink(join(staging, 'snippets', 'up.conf'))).toBe('../site.conf');
  });

  it.each([
    ['an absolute link', '/home/u/.ssh/authorized_keys', 'authorized_keys'],
    ['a link climbing out', '../../live.previous-T0/x', 'authorized_keys'],
    ['a chain resolving outside', 'a/..', 'b'],
  ])(
    'stage refuses %s in the live configuration with exit 4, copying nothing',
    async (_what, target, name) => {
      await writeFile(join(volume, 'site.conf'), 'old');
      if (name === 'b') await symlink('.', join(volume, 'a'));
      await symlink(target, join(volume, name));
      const r = await script('stage', 'site.conf').catch((e: { code: number; stdout: string }) => e);
      expect(r).toMatchObject({ code: 4 });
      expect(helperRecords(r.stdout)).toEqual([
        ['refused-link', name],
        ['target', target],
      ]);
      expect(await ls(staging)).toEqual([]);
    },
  );

  it('stage refuses a FIFO below the live configuration', async () => {
    await mkdir(join(volume, 'd'));
    await exec('mkfifo', [join(volume, 'd', 'pipe')]);
    const r = await script('stage', 'site.conf').catch((e: { code: number; stdout: string }) => e);
    expect(r).toMatchObject({ code: 4 });
    expect(helperRecords(r.stdout)).toEqual([
      ['refused-type', 'd/pipe'],
      ['what', 'a FIFO'],
    ]);
  });

  it('peek (nginx test, no deploy lock) leaves an interrupted swap alone; stage repairs it first', async () => {
    await mkdir(join(root, 'live.previous-T5'));
    await writeFile(join(root, 'live.phoenix-swap'), '1 staging-T5 previous-T5\n');
    expect(await said('peek', 'site.conf')).toEqual([['ok', '']]);
    expect(await ls(root)).toEqual(['live', 'live.phoenix-swap', 'live.previous-T5', 's']);
    expect(await said('stage', 'site.conf')).toEqual([
      ['undid', 'staging-T5 previous-T5'],
      ['ok', ''],
    ]);
    expect(await ls(root)).toEqual(['live', 's']);
  });

  it('keeps the three newest previous copies', async () => {
    for (const t of ['T1', 'T2', 'T3']) await mkdir(join(root, `live.previous-${t}`));
    expect(await said('swap', 'T4', '-')).toEqual([['ok', '']]);
    expect((await ls(root)).filter((n) => n.includes('.previous-'))).toEqual([
      'live.previous-T2',
      'live.previous-T3',
      'live.previous-T4',
    ]);
  });
});

describe('stagedOps', () => {
  it('writes directories 0755 and files 0644 owned by root, and refuses a link', async () => {
    await mkdir(join(root, 'c', 'snippets'), { recursive: true });
    await writeFile(join(root, 'c', 'default.conf'), 'server {}');
    await writeFile(join(root, 'c', 'snippets', 'x.conf'), '#');
    expect(await stagedOps(join(root, 'c'))).toEqual([
      expect.objectContaining({
        op: 'writeFile',
        path: 'default.conf',
        mode: 0o644,
        owner: { uid: 0, gid: 0 },
      }),
      { op: 'mkdir', path: 'snippets', mode: 0o755 },
      expect.objectContaining({ op: 'writeFile', path: 'snippets/x.conf', mode: 0o644 }),
    ]);
    await symlink('default.conf', join(root, 'c', 'link.conf'));
    await expect(stagedOps(join(root, 'c'))).rejects.toMatchObject({ code: 'USAGE' });
  });
});
