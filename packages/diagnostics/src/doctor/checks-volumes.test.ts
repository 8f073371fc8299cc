import { describe, expect, it } from 'vitest';
import { BASE, dirState, fakeContext, fixture, observation, ok } from '../../test/doctor-fakes.ts';
import { DOCTOR_CHECKS } from './catalogue.ts';
import type { DoctorContext } from './context.ts';
import { runDoctor } from './run-doctor.ts';

async function run(ctx: DoctorContext, ...ids: string[]) {
  return (await runDoctor(ctx, DOCTOR_CHECKS, { only: ids })).findings;
}

const nginxT = (name: string) => ({
  exitCode: name === 'nginx-t-ok.txt' ? 0 : 1,
  stdout: '',
  stderr: fixture(name),
});

describe('directory checks', () => {
  it('find nothing on a stack as setup leaves it', async () => {
    const ctx = fakeContext({ run: { nginx: nginxT('nginx-t-ok.txt') } });
    expect(
      await run(
        ctx,
        'PHX-DIR-001',
        'PHX-DIR-002',
        'PHX-MODE-001',
        'PHX-OWNER-001',
        'PHX-NGINX-001',
        'PHX-NGINX-002',
      ),
    ).toEqual([]);
  });

  it('report a missing base and volume directory with fixes that create, own and seed them', async () => {
    const missing = { dir: null, defaultConf: null };
    const ctx = fakeContext({
      observation: observation({ db_data: missing, nginx_config: missing }, { baseDir: null }),
    });
    const found = await run(ctx, 'PHX-DIR-001', 'PHX-DIR-002', 'PHX-MODE-001', 'PHX-NGINX-001');
    expect(found.map((f) => [f.check, f.volume])).toEqual([
      ['PHX-DIR-001', null],
      ['PHX-DIR-002', 'db_data'],
      ['PHX-DIR-002', 'nginx_config'],
    ]);
    expect(found[1]?.fix?.describe).toBe(
      `create ${BASE}/db_data; give ${BASE}/db_data to 999:999 (host 100998:100998) via podman unshare`,
    );
    expect(found[2]?.fix?.describe).toMatch(/write a starter .*nginx_config\/default\.conf$/);
  });

  it('reports a wrong mode with actual and expected, fixed by chmod through podman unshare', async () => {
    const ctx = fakeContext({ observation: observation({ db_data: { dir: dirState(0o755, 999) } }) });
    expect(await run(ctx, 'PHX-MODE-001')).toMatchObject([
      {
        volume: 'db_data',
        severity: 'error',
        message: `${BASE}/db_data has mode 0755, expected 0700`,
        evidence: { actual: '0755', expected: '0700' },
        hint: `podman unshare chmod 0700 ${BASE}/db_data`,
        fix: { describe: `chmod 0700 ${BASE}/db_data (now 0755) via podman unshare` },
      },
    ]);
  });

  it('reports the owner as the container sees it and as the host does (the seed layout: host-owned, root inside)', async () => {
    const ctx = fakeContext({ observation: observation({ db_data: { dir: dirState(0o700, 0) } }) });
    const [owner] = await run(ctx, 'PHX-OWNER-001');
    expect(owner).toMatchObject({
      message: `${BASE}/db_data is owned by 0:0 in the container (host 1001:1001); db runs as 999:999 (host 100998:100998)`,
      evidence: { containerOwner: '0:0', hostOwner: '1001:1001', expected: '999:999' },
      hint: `podman unshare chown -R 999:999 ${BASE}/db_data`,
    });
    expect(owner?.fix?.describe).toMatch(/^chown -R 999:999 .* via podman unshare/);
  });

  it('through a remote podman (podman machine) the fixes name setup and a helper container, never podman unshare', async () => {
    const remote = async () => ({ remote: true, reason: 'CONTAINER_HOST' });
    const ctx = fakeContext({ remote, observation: observation({ db_data: { dir: dirState(0o755, 0) } }) });
    const found = await run(ctx, 'PHX-MODE-001', 'PHX-OWNER-001');
    expect(found.map((f) => f.check)).toEqual(['PHX-MODE-001', 'PHX-OWNER-001']);
    for (const f of found) {
      expect(f.hint).toMatch(/^phoenix-volumes setup .*helper container/);
      expect(f.fix?.describe).toMatch(/via a helper container/);
      expect(JSON.stringify(f)).not.toMatch(/podman unshare (chown|chmod)/);
    }
  });

  it('only notes (info) a read-only volume podman gave to root on first mount, while its user can still read it', async () => {
    // What podman-compose up leaves: podman chowns a new volume to the container's user (nginx runs as root).
    const ctx = fakeContext({ observation: observation({ nginx_config: { dir: dirState(0o755, 0) } }) });
    expect(await run(ctx, 'PHX-OWNER-001')).toMatchObject([
      { volume: 'nginx_config', severity: 'info', message: /owned by 0:0 .* and can still read it/ },
    ]);
    const closed = fakeContext({ observation: observation({ nginx_config: { dir: dirState(0o700, 0) } }) });
    expect(await run(closed, 'PHX-OWNER-001')).toMatchObject([{ volume: 'nginx_config', severity: 'error' }]);
  });

  it('reports a missing default.conf (fix: seed it) and an unreadable one (fix: chmod 0644)', async () => {
    const missing = fakeContext({ observation: observation({ nginx_config: { defaultConf: null } }) });
    expect(await run(missing, 'PHX-NGINX-001')).toMatchObject([
      { message: `${BASE}/nginx_config/default.conf is missing`, fix: { describe: /write a starter/ } },
    ]);
    const closed = { defaultConf: dirState(0o600, 0, 0, 'file') };
    const unreadable = fakeContext({ observation: observation({ nginx_config: closed }) });
    expect(await run(unreadable, 'PHX-NGINX-001')).toMatchObject([
      {
        message: `${BASE}/nginx_config/default.conf (mode 0600 0:0) cannot be read by 101:101`,
        fix: { describe: /chmod 0644/ },
      },
    ]);
  });

  it.each([
    ['nginx-t-unexpected-brace.txt', 'unexpected "}"', 5],
    ['nginx-t-unknown-directive.txt', 'unknown directive "proxy_pas"', 3],
  ])('reports nginx -t failures (%s) with the host file and line', async (name, message, line) => {
    const ctx = fakeContext({ run: { nginx: nginxT(name) } });
    const [found] = await run(ctx, 'PHX-NGINX-002');
    expect(found).toMatchObject({
      check: 'PHX-NGINX-002',
      volume: 'nginx_config',
      message: `nginx -t: ${message} in ${BASE}/nginx_config/default.conf:${line}`,
      evidence: { file: `${BASE}/nginx_config/default.conf`, line, message, image: 'nginx:stable' },
    });
    expect(found?.fix).toBeUndefined();
    expect(ctx.calls).toContainEqual(['nginx', '-t']);
  });

  it('skips nginx -t when the image is not present', async () => {
    const ctx = fakeContext({ images: [] });
    expect(await run(ctx, 'PHX-NGINX-002')).toMatchObject([
      { severity: 'info', status: 'skip', message: 'not checked: image nginx:stable is not present locally' },
    ]);
  });
});

describe('SELinux labels', () => {
  // `ls -dZ` prints "CONTEXT PATH"; this host has SELinux disabled and prints "?" (recorded). The
  // enforcing form is coreutils' documented user:role:type:level context, e.g. on Fedora:
  const enforcing = (type: string) => ok(`unconfined_u:object_r:${type}:s0 ${BASE}/db_data\n`);
  const withSelinux = (type: string) =>
    fakeContext({
      observation: observation({}, { namespace: { ...observation().namespace, selinuxEnabled: true } }),
      unshare: { ls: enforcing(type) },
    });

  it('reports a volume labelled user_home_t, with the relabel command and fix', async () => {
    const found = await run(withSelinux('user_home_t'), 'PHX-SELINUX-001');
    expect(found).toHaveLength(3);
    expect(found[0]).toMatchObject({
      evidence: { label: 'unconfined_u:object_r:user_home_t:s0', type: 'user_home_t' },
      hint: `podman unshare chcon -R -t container_file_t ${BASE}/db_data`,
      fix: { describe: /container_file_t \(now user_home_t\)/ },
    });
  });

  it('accepts container_file_t, and ignores "?" (no SELinux) and hosts without SELinux', async () => {
    expect(await run(withSelinux('container_file_t'), 'PHX-SELINUX-001')).toEqual([]);
    const disabledLabel = fakeContext({
      observation: observation({}, { namespace: { ...observation().namespace, selinuxEnabled: true } }),
      unshare: { ls: ok(fixture('ls-dZ-selinux-disabled.txt')) },
    });
    expect(await run(disabledLabel, 'PHX-SELINUX-001')).toEqual([]);
    expect(await run(fakeContext(), 'PHX-SELINUX-001')).toEqual([]);
  });
});
