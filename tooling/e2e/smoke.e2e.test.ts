import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { asTestUser, E2E_USER, IMAGES, lookupUser, podman, runAs999Args } from './host.ts';

// The test user's home (this process is that user under run-e2e.ts, or a developer's own account).
function home(): string {
  if (process.getuid?.() !== 0) return homedir();
  const user = lookupUser(E2E_USER);
  if (user === undefined) throw new Error(`no user ${E2E_USER}`);
  return user.home;
}

// First host uid of the running user's subordinate range (container uid 1 maps to it).
async function subuidStart(): Promise<number> {
  const { stdout } = await asTestUser('id', ['-un']);
  const line = readFileSync('/etc/subuid', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${stdout.trim()}:`));
  return Number(line?.split(':')[1]);
}

describe('rootless podman on the e2e host', () => {
  const dirs: string[] = [];

  afterEach(async () => {
    for (const dir of dirs.splice(0)) {
      // After the chown the host user cannot delete the files; only the user namespace can.
      const rm = await podman(['unshare', 'rm', '-rf', dir]);
      expect(rm, rm.stderr).toMatchObject({ code: 0 });
      expect((await asTestUser('test', ['-e', dir])).code).not.toBe(0);
    }
  });

  it('a 999:999 container cannot write a host-owned 0700 bind mount until `podman unshare chown 999:999`', async () => {
    const made = await asTestUser('mktemp', ['-d', '-p', home(), 'e2e-smoke.XXXXXX']);
    expect(made.code, made.stderr).toBe(0);
    const dir = made.stdout.trim();
    dirs.push(dir);
    expect((await asTestUser('chmod', ['700', dir])).code).toBe(0);

    const probe = (script: string) =>
      podman(runAs999Args(`${dir}:/data`, [IMAGES.probe, 'sh', '-c', script]));

    // The host user's own directory is root's inside the container; postgres (999) is locked out.
    const before = await probe('stat -c "%u:%g %a" /data; touch /data/pg-probe');
    expect(before.stdout.trim()).toBe('0:0 700');
    expect(before.code).not.toBe(0);
    expect(before.stderr).toContain('Permission denied');

    const chown = await podman(['unshare', 'chown', '999:999', dir]);
    expect(chown, chown.stderr).toMatchObject({ code: 0 });

    const after = await probe('touch /data/pg-probe && stat -c "%u:%g" /data/pg-probe');
    expect(after, after.stderr).toMatchObject({ code: 0, stdout: '999:999\n' });

    // On the host the directory now belongs to a subordinate uid, so the host user is the one locked out.
    const hostOwner = await asTestUser('stat', ['-c', '%u', dir]);
    expect(Number(hostOwner.stdout)).toBe((await subuidStart()) + 998);
    const hostWrite = await asTestUser('touch', [`${dir}/host-probe`]);
    expect(hostWrite.code).not.toBe(0);
    expect(hostWrite.stderr).toContain('Permission denied');
  });
});
