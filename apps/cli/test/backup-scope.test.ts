import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackup } from '@phoenix-hydra/backup';
import { cli } from '@phoenix-hydra/e2e/cli-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// One backup directory holding backups of two projects, as when two stacks share the default directory.
let work = '';
let backupDir = '';
const ids: Record<string, string> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'phx-scope-'));
  backupDir = join(work, 'backups');
  for (const project of ['alpha', 'beta']) {
    const data = join(work, project, 'logs');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'access.log'), `${project}\n`);
    const manifest = await createBackup({
      backupDir,
      project,
      volumes: [{ name: 'logs', strategy: 'archive', path: data }],
      taken: 'offline',
    });
    ids[project] = manifest.id;
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const ls = async (args: string[]) => {
  const result = await cli(['backup', 'ls', '--json', ...args], { cwd: work });
  // Nothing but the line naming the stack (none with --all-projects: no stack is read).
  expect(result.stderr).toMatch(
    /^(\S+: no compose file in \S+ — using the built-in Phoenix Hydra stack \(pass --compose FILE\))?$/,
  );
  return JSON.parse(result.stdout)
    .backups.map((b: { id: string }) => b.id)
    .sort();
};

describe('backup commands see one project unless told otherwise', () => {
  it('lists only the stack project with --backup-dir, every project with --all-projects', async () => {
    expect(await ls(['--backup-dir', backupDir, '--project', 'alpha'])).toEqual([ids.alpha]);
    expect(await ls(['--backup-dir', backupDir, '--project', 'beta'])).toEqual([ids.beta]);
    expect(await ls(['--backup-dir', backupDir, '--project', 'alpha', '--all-projects'])).toEqual(
      [ids.alpha, ids.beta].sort(),
    );
  });

  it('keeps --from as an alias of --backup-dir', async () => {
    expect(await ls(['--from', backupDir, '--project', 'beta'])).toEqual([ids.beta]);
  });

  it("verifies --all and prunes only the stack project's backups", async () => {
    const verify = await cli(
      ['backup', 'verify', '--all', '--json', '--backup-dir', backupDir, '-p', 'alpha'],
      {
        cwd: work,
      },
    );
    expect(verify.exitCode).toBe(0);
    expect(JSON.parse(verify.stdout).results.map((r: { id: string }) => r.id)).toEqual([ids.alpha]);
    const prune = await cli(
      ['backup', 'prune', '--keep-last', '1', '--dry-run', '--json', '--backup-dir', backupDir, '-p', 'beta'],
      { cwd: work },
    );
    const plan = JSON.parse(prune.stdout);
    expect([...plan.keep, ...plan.remove].map((b: { id: string }) => b.id)).toEqual([ids.beta]);
  });
});
