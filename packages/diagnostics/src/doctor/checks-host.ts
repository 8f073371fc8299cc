import { access, constants, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPhoenixError } from '@phoenix-hydra/core';
import { findSubidRanges, INSTALL_HINT, parseSubid } from '@phoenix-hydra/podman-adapter';
import type { DoctorContext } from './context.ts';
import { type Finding, finding } from './finding.ts';
import type { DoctorCheck } from './run-doctor.ts';

/** The oldest podman whose rootless volumes and `unshare` behave as this tool expects. */
export const MIN_PODMAN_MAJOR = 4;

const podmanMissing: DoctorCheck = {
  id: 'PHX-PODMAN-001',
  title: 'podman is missing',
  severity: 'error',
  why: 'without podman nothing of the stack can run, and no other podman check can look',
  async run(ctx) {
    try {
      await ctx.info();
      return [];
    } catch (error) {
      if (!isPhoenixError(error) || error.code !== 'PODMAN_MISSING') throw error;
      return [finding(this, { message: error.message, hint: INSTALL_HINT, evidence: error.details })];
    }
  },
};

const podmanOld: DoctorCheck = {
  id: 'PHX-PODMAN-002',
  title: 'podman is too old',
  severity: 'error',
  why: 'podman before 4.0 lacks the rootless volume and `unshare` behaviour setup and check rely on',
  async run(ctx) {
    const { version } = await ctx.info();
    const major = Number(/^(\d+)\./.exec(version)?.[1] ?? Number.NaN);
    if (major >= MIN_PODMAN_MAJOR) return [];
    return [
      finding(this, {
        message: `podman ${version} is older than ${MIN_PODMAN_MAJOR}.0`,
        evidence: { version },
        hint: 'sudo apt-get install podman   # Debian 12 ships 4.3',
      }),
    ];
  },
};

const notRootless: DoctorCheck = {
  id: 'PHX-PODMAN-003',
  title: 'podman is not rootless',
  severity: 'warning',
  why: 'the stack is designed for rootless podman: as root, volume owners and ids mean something else and the data belongs to root',
  async run(ctx) {
    const info = await ctx.info();
    if (info.rootless) return [];
    return [
      finding(this, {
        message: `podman runs rootful (doctor runs as ${ctx.settings.user.name}, uid ${ctx.settings.user.uid})`,
        evidence: { rootless: false, uid: ctx.settings.user.uid },
        hint: 'run phoenix-volumes and podman-compose as the unprivileged user that owns the stack, not with sudo',
      }),
    ];
  },
};

function subidCheck(id: string, kind: 'subuid' | 'subgid'): DoctorCheck {
  return {
    id,
    title: `no ${kind} range for the user`,
    severity: 'error',
    why: `rootless podman maps container ids through /etc/${kind}; without a range it cannot run a container as postgres (999) or nginx (101)`,
    async run(ctx) {
      if (ctx.settings.root) return [];
      const location = await ctx.remote();
      if (location.remote) return machineRanges(this, ctx, kind, location.reason);
      const file = kind === 'subuid' ? ctx.settings.subuidFile : ctx.settings.subgidFile;
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      const { user } = ctx.settings;
      if (findSubidRanges(parseSubid(text), user).length > 0) return [];
      return [
        finding(this, {
          message: `${file} has no subordinate ${kind === 'subuid' ? 'uid' : 'gid'} range for user ${user.name} (uid ${user.uid})`,
          evidence: { file, user: user.name, uid: user.uid },
          hint: `sudo usermod --add-${kind}s 100000-165535 ${user.name} && podman system migrate`,
        }),
      ];
    },
  };
}

/** Through a remote podman the ranges that count are the machine's, as its `podman info` maps show them. */
async function machineRanges(
  check: DoctorCheck,
  ctx: DoctorContext,
  kind: 'subuid' | 'subgid',
  reason: string,
): Promise<Finding[]> {
  const ns = await ctx.namespace();
  const maps = kind === 'subuid' ? ns.uidMappings : ns.gidMappings;
  if (!ns.rootless || maps.length > 1) return [];
  return [
    finding(check, {
      message: `the podman machine maps no subordinate ${kind === 'subuid' ? 'uid' : 'gid'} range (podman info; ${reason})`,
      evidence: { maps, reason },
      hint: `podman machine ssh, then: sudo usermod --add-${kind}s 100000-165535 $(id -un) && podman system migrate`,
    }),
  ];
}

async function onPath(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(':').filter((d) => d !== '')) {
    const candidate = join(dir, name);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

const uidmapMissing: DoctorCheck = {
  id: 'PHX-UIDMAP-001',
  title: 'newuidmap or newgidmap is missing',
  severity: 'error',
  why: 'rootless podman needs these setuid helpers to apply the subuid/subgid ranges; without them every container runs with a single id',
  async run(ctx: DoctorContext) {
    // Through a remote podman the helpers run on the machine; its id maps (PHX-SUBID-*) show they work.
    if (ctx.settings.root || (await ctx.remote()).remote) return [];
    const found = await Promise.all(
      ['newuidmap', 'newgidmap'].map(async (name) => ({ name, at: await onPath(name, ctx.settings.path) })),
    );
    const missing = found.filter((f) => f.at === undefined).map((f) => f.name);
    if (missing.length === 0) return [];
    return [
      finding(this, {
        message: `${missing.join(' and ')} not found on PATH`,
        evidence: { missing, path: ctx.settings.path },
        hint: 'sudo apt-get install uidmap',
      }),
    ];
  },
};

const vfsStorage: DoctorCheck = {
  id: 'PHX-STORAGE-001',
  title: 'podman uses the vfs storage driver',
  severity: 'warning',
  why: 'vfs copies the whole image for every container: starting the 650 MB test image took 4.3 s with vfs, 0.18 s with overlay',
  async run(ctx) {
    const { storageDriver } = await ctx.info();
    if (storageDriver !== 'vfs') return [];
    return [
      finding(this, {
        message: 'storage driver is vfs',
        evidence: { storageDriver },
        hint:
          'printf \'[storage]\\ndriver = "overlay"\\n\' > ~/.config/containers/storage.conf && ' +
          'podman system reset -f   # reset DELETES all your images, containers and podman volumes: back up first',
      }),
    ];
  },
};

/** Podman and the user namespace it needs: installed, recent, rootless, mapped, fast storage. */
export const hostChecks: readonly DoctorCheck[] = [
  podmanMissing,
  podmanOld,
  notRootless,
  subidCheck('PHX-SUBID-001', 'subuid'),
  subidCheck('PHX-SUBID-002', 'subgid'),
  uidmapMissing,
  vfsStorage,
];
