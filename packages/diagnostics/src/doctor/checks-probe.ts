import type { VolumeSpec } from '@phoenix-hydra/core';
import { probeImage } from '../probe-volume.ts';
import type { DoctorContext } from './context.ts';
import { type Finding, finding } from './finding.ts';
import type { DoctorCheck } from './run-doctor.ts';

const TARGET = '/phoenix-probe';
/**
 * The write probe's file, there for a moment while the checks that list a volume may run: they leave it out
 * (a doctor run through a remote podman saw it in an empty db_data and reported PHX-PG-001).
 */
export const WRITE_PROBE_PREFIX = '.phoenix-write-probe-';
// Constant scripts run by the container's sh: no user data is ever interpolated into them.
const WRITE_SCRIPT = `p=${TARGET}/${WRITE_PROBE_PREFIX}$$; echo probe > "$p" && rm -f "$p"`;
const READ_SCRIPT = `ls -A ${TARGET} > /dev/null && for f in ${TARGET}/*.conf; do [ ! -e "$f" ] || head -c 1 "$f" > /dev/null || exit 1; done`;

/** Writes (or, for read-only volumes, reads) the volume as its container user in a throwaway container. */
async function probe(check: DoctorCheck, ctx: DoctorContext, spec: VolumeSpec): Promise<Finding[]> {
  const verb = spec.readOnly ? 'read' : 'write';
  const skip = (message: string, hint: string) =>
    finding(check, { volume: spec.name, severity: 'info', status: 'skip', message, hint });
  const image = probeImage(ctx.stack, spec, ctx.settings.probeImage);
  if (!image) return [skip('no service image to probe with', 'pass --probe-image IMAGE')];
  if (!(await ctx.imageExists(image))) {
    return [
      skip(
        `image ${image} is not present locally, so no probe ran`,
        `podman pull ${image} (or pass --probe-image IMAGE)`,
      ),
    ];
  }
  const result = await ctx.run(image, ['-c', spec.readOnly ? READ_SCRIPT : WRITE_SCRIPT], {
    user: spec.owner,
    entrypoint: 'sh',
    mounts: [
      {
        source: spec.hostPath,
        target: TARGET,
        options: [...(spec.readOnly ? ['ro'] : []), ...(spec.selinux === 'none' ? [] : [spec.selinux])],
      },
    ],
  });
  if (result.exitCode === 0) return [];
  const who = `${spec.owner.uid}:${spec.owner.gid}`;
  const said = result.stderr.trim().split('\n').pop() ?? '';
  return [
    finding(check, {
      volume: spec.name,
      message: `a container running as ${who} cannot ${verb} it: ${said}`,
      hint: `phoenix-volumes setup (gives the directory to the container user through ${(await ctx.remote()).remote ? 'a helper container' : 'podman unshare'})`,
      evidence: { image, exitCode: result.exitCode, stderr: result.stderr.trim(), verb },
    }),
  ];
}

const probeFails: DoctorCheck = {
  id: 'PHX-PROBE-001',
  title: "the service's user cannot write (or read) its volume",
  severity: 'error',
  why: 'a real container running as the service user tried, and failed: the service will fail the same way, whatever the modes and owners look like',
  async run(ctx) {
    const { volumes } = await ctx.observation();
    const found = await Promise.all(
      volumes.filter((v) => v.dir?.type === 'directory').map((v) => probe(this, ctx, v.spec)),
    );
    return found.flat();
  },
};

/** Proof by doing: a throwaway container as the service's user writes (or reads) each volume. */
export const probeChecks: readonly DoctorCheck[] = [probeFails];
