import { podmanVolumeName } from '@phoenix-hydra/core';
import type { VolumeObservation } from '../observe.ts';
import { volumeCreateAction } from '../plan-setup.ts';
import { boundToDirectory, helperImages } from '../volume-targets.ts';
import { setupFix } from './checks-volumes.ts';
import type { DoctorContext } from './context.ts';
import { type Fix, finding } from './finding.ts';
import type { DoctorCheck } from './run-doctor.ts';

const namedVolumeMissing: DoctorCheck = {
  id: 'PHX-VOLUME-001',
  title: 'podman volume is missing',
  severity: 'error',
  why: 'podman-compose 1.0.3 drops driver_opts: it would create the volume without the bind options and keep the data in podman storage, not in the host directory you back up',
  async run(ctx) {
    const { volumes } = await ctx.observation();
    return volumes
      .filter((v) => v.namedVolume === null)
      .map((v) =>
        finding(this, {
          volume: v.spec.name,
          message: `podman volume ${v.podmanVolumeName} does not exist: podman-compose 1.0.3 would create it without the bind options and keep the data in podman's storage, not in ${v.spec.hostPath}`,
          evidence: { name: v.podmanVolumeName, expectedDevice: v.spec.hostPath },
          hint: `podman volume create --opt type=none --opt o=bind --opt device=${v.spec.hostPath} ${v.podmanVolumeName}`,
          fix: setupFix(ctx, [volumeCreateAction(ctx.stack, v)]),
        }),
      );
  },
};

/**
 * Files in a plain volume's `_data` (0 when empty); the count decides whether removing it loses data.
 * Through a remote podman the volume is on the machine: a read-only helper lists it (`ls -A`, which
 * busybox images have too).
 */
async function plainVolumeEntries(
  ctx: DoctorContext,
  v: VolumeObservation,
  mountpoint: string,
): Promise<number> {
  if (!(await ctx.remote()).remote) {
    const found = await ctx.unshare(['find', mountpoint, '-mindepth', '1', '-maxdepth', '1', '-printf', 'x']);
    return found.exitCode === 0 ? found.stdout.length : Number.POSITIVE_INFINITY;
  }
  const image = await helperImages(ctx.podman, ctx.stack)(v.spec);
  if (image === null) return Number.POSITIVE_INFINITY;
  const listed = await ctx.run(image, ['-A', '/volume'], {
    user: '0:0',
    entrypoint: 'ls',
    mounts: [{ source: v.podmanVolumeName, target: '/volume', options: ['ro'] }],
  });
  return listed.exitCode === 0
    ? listed.stdout.split('\n').filter((line) => line !== '').length
    : Number.POSITIVE_INFINITY;
}

const namedVolumeDrift: DoctorCheck = {
  id: 'PHX-VOLUME-002',
  title: 'podman volume keeps its data elsewhere than compose says',
  severity: 'error',
  why: 'containers write where the volume points (Options.device), so the host directory you set up and back up stays empty',
  async run(ctx) {
    const { volumes } = await ctx.observation();
    const drifted = volumes.filter((v) => v.namedVolume !== null && !boundToDirectory(v));
    if (drifted.length === 0) return [];
    const users = await ctx.volumeUsers();
    return Promise.all(
      drifted.map(async (v) => {
        const named = v.namedVolume;
        const device = named?.device ?? null;
        const mountpoint = named?.mountpoint ?? '';
        const where = device ?? `podman's own storage (${mountpoint})`;
        const inUse = users.filter((u) => u.volumes.includes(v.spec.name)).map((u) => u.container);
        const entries = device === null ? await plainVolumeEntries(ctx, v, mountpoint) : 0;
        const evidence = {
          name: v.podmanVolumeName,
          device,
          mountpoint,
          expectedDevice: v.spec.hostPath,
          usedBy: inUse,
          ...(device === null ? { entries } : {}),
        };
        const recreate = `podman volume rm ${v.podmanVolumeName} && phoenix-volumes setup`;
        const hint =
          entries > 0
            ? `phoenix-volumes adopt --volume ${v.spec.name}   (copies its ${Number.isFinite(entries) ? `${entries} ` : ''}entries into ${v.spec.hostPath}, verified, keeps the old data, rebinds the volume and starts the stack)`
            : inUse.length > 0
              ? `stop ${inUse.join(', ')} (podman-compose down), then ${recreate}`
              : recreate;
        // Recreating is safe only when no container holds the volume and removing it deletes no data.
        const fix: Fix | undefined =
          inUse.length === 0 && entries === 0
            ? {
                describe: `recreate podman volume ${v.podmanVolumeName} bound to ${v.spec.hostPath} (now ${where})`,
                async apply(podman) {
                  await podman.volumeRm(v.podmanVolumeName);
                  await setupFix(ctx, [volumeCreateAction(ctx.stack, v)]).apply(podman);
                },
              }
            : undefined;
        return finding(this, {
          volume: v.spec.name,
          message: `podman volume ${podmanVolumeName(ctx.stack, v.spec)} keeps its data in ${where}, not in ${v.spec.hostPath}`,
          evidence,
          hint,
          ...(fix ? { fix } : {}),
        });
      }),
    );
  },
};

/** The bind-backed podman volumes podman-compose must find and reuse. */
export const namedVolumeChecks: readonly DoctorCheck[] = [namedVolumeMissing, namedVolumeDrift];
