import { podmanVolumeName, type ServiceSpec } from '@phoenix-hydra/core';
import { COMPOSE_SERVICE_LABEL, type ContainerInfo } from '@phoenix-hydra/podman-adapter';
import type { DoctorContext } from './context.ts';
import { finding } from './finding.ts';
import type { DoctorCheck } from './run-doctor.ts';

async function serviceContainers(ctx: DoctorContext): Promise<{ c: ContainerInfo; service: ServiceSpec }[]> {
  const containers = await ctx.containers();
  return containers.flatMap((c) => {
    const service = ctx.stack.services.find((s) => s.name === c.labels[COMPOSE_SERVICE_LABEL]);
    return service ? [{ c, service }] : [];
  });
}

/** How the container's mount at `target` differs from compose's; empty when it matches. */
export function mountDifferences(
  ctx: Pick<DoctorContext, 'stack'>,
  c: ContainerInfo,
  mount: ServiceSpec['mounts'][number],
): string[] {
  const real = c.mounts.find((m) => m.destination.replace(/\/+$/, '') === mount.target.replace(/\/+$/, ''));
  if (!real) return [`nothing is mounted at ${mount.target} (compose mounts volume ${mount.volume} there)`];
  const volume = ctx.stack.volumes.find((v) => v.name === mount.volume);
  const problems: string[] = [];
  const name = podmanVolumeName(ctx.stack, { name: mount.volume });
  if (real.type === 'volume' && real.name !== name) {
    problems.push(`${mount.target} is podman volume ${real.name}, not ${name}`);
  }
  if (real.type === 'bind' && volume && real.source !== volume.hostPath) {
    problems.push(`${mount.target} is bound to ${real.source}, not ${volume.hostPath}`);
  }
  if (real.rw === mount.readOnly) {
    problems.push(
      `${mount.target} is ${real.rw ? 'read-write' : 'read-only'}, compose says ${mount.readOnly ? 'ro' : 'rw'}`,
    );
  }
  return problems;
}

const mountsDiffer: DoctorCheck = {
  id: 'PHX-MOUNT-001',
  title: "a container's mounts differ from the compose file",
  severity: 'error',
  why: 'the container was created from an older compose file or by hand: it writes somewhere else than the volume you set up and back up',
  async run(ctx) {
    return (await serviceContainers(ctx)).flatMap(({ c, service }) => {
      const problems = service.mounts.flatMap((m) => mountDifferences(ctx, c, m));
      if (problems.length === 0) return [];
      return [
        finding(this, {
          volume: null,
          message: `container ${c.name}: ${problems.join('; ')}`,
          evidence: {
            container: c.name,
            problems,
            mounts: c.mounts.map((m) => ({
              type: m.type,
              name: m.name,
              source: m.source,
              destination: m.destination,
              rw: m.rw,
            })),
          },
          hint: `podman-compose up -d --force-recreate ${service.name}`,
        }),
      ];
    });
  },
};

const wrongUser: DoctorCheck = {
  id: 'PHX-USER-001',
  title: 'a container runs as another user than the compose file says',
  severity: 'error',
  why: 'the volume is owned for compose\'s user; a process running as anyone else gets "Permission denied" or writes files the service cannot read',
  async run(ctx) {
    const found = await Promise.all(
      (await serviceContainers(ctx)).map(async ({ c, service }) => {
        const expected = service.user?.uid;
        if (expected === undefined) return [];
        const configured = c.user === '' ? null : Number(c.user.split(':')[0]);
        // A restart-looping container can stop between the listing and the exec: then only its config tells.
        const id = c.running ? await ctx.exec(c.name, ['id', '-u']).catch(unlessStoppedMeanwhile) : null;
        const running = id?.exitCode === 0 ? Number(id.stdout.trim()) : null;
        const wrong = [configured, running].filter((u) => u !== null && u !== expected);
        if (configured !== null && wrong.length === 0) return [];
        if (configured === null && running === expected) return [];
        return [
          finding(this, {
            message: `container ${c.name} runs as ${running ?? configured ?? 'the image default'} (Config.User "${c.user}"), compose says ${expected}`,
            evidence: { container: c.name, configUser: c.user, runningUid: running, expected },
            hint: `podman-compose up -d --force-recreate ${service.name}`,
          }),
        ];
      }),
    );
    return found.flat();
  },
};

/** null when podman refused an exec because the container is no longer running; any other error stays. */
function unlessStoppedMeanwhile(error: unknown): null {
  if (
    /stopped container|state improper|is not running|no such container/i.test(
      String((error as Error)?.message),
    )
  ) {
    return null;
  }
  throw error;
}

/** The containers podman really runs, against what the compose file says. */
export const containerChecks: readonly DoctorCheck[] = [mountsDiffer, wrongUser];
