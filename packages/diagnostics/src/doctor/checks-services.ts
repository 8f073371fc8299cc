import { join } from 'node:path';
import { formatMode, formatOwner, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import { type ContainerInfo, type Podman, volumeFilesFor } from '@phoenix-hydra/podman-adapter';
import { applySetup } from '../apply-setup.ts';
import { RESTART_SETTLE_MS, type ServiceContainer, stateOf } from '../service-states.ts';
import { helperImages, namedVolumeTarget } from '../volume-targets.ts';
import type { DoctorContext } from './context.ts';
import { type CatalogueEntry, type Finding, type Fix, finding } from './finding.ts';
import {
  fillHint,
  LOG_SIGNATURES,
  type LogFixKind,
  lastMeaningfulLine,
  matchSignature,
  type SignatureMatch,
} from './log-signatures/index.ts';
import type { DoctorCheck } from './run-doctor.ts';

/** How many log lines are read per failed service: the crash's context, never a whole crash loop's log. */
export const LOG_TAIL = 50;

/** The service states doctor reports that no log signature explains; each finding names the state. */
export const SERVICE_ENTRIES = {
  down: {
    id: 'PHX-SVC-001',
    title: 'a service is down (no known signature in its log)',
    severity: 'error',
    why: 'the service does not run; its last log lines say why in its own words',
  },
  notCreated: {
    id: 'PHX-SVC-002',
    title: 'a service has no container',
    severity: 'error',
    why: 'podman-compose did not create it (its image or a dependency failed) while other services of the stack run',
  },
  neverStarted: {
    id: 'PHX-SVC-003',
    title: 'a container was created but never started',
    severity: 'error',
    why: 'podman could not start it: podman-compose up printed the reason once, and podman keeps none',
  },
  oomKilled: {
    id: 'PHX-SVC-004',
    title: 'a service was killed for using too much memory (OOM)',
    severity: 'error',
    why: "the kernel killed it at the container's memory limit; it will be killed again under the same load",
  },
  unhealthy: {
    id: 'PHX-SVC-005',
    title: "a service's healthcheck fails",
    severity: 'error',
    why: 'the process runs but does not answer its healthcheck: clients get errors or time out',
  },
  stopped: {
    id: 'PHX-SVC-006',
    title: 'a service was stopped',
    severity: 'info',
    why: 'it exited with code 0, as after podman stop or podman-compose stop: nothing crashed',
  },
} as const satisfies Record<string, CatalogueEntry>;

/** The volume a service's failure is about: its database volume, else its first read-write one. */
function dataVolume(ctx: DoctorContext, s: ServiceContainer): VolumeSpec | undefined {
  const volumes = s.service.mounts.flatMap((m) => ctx.stack.volumes.filter((v) => v.name === m.volume));
  return volumes.find((v) => v.kind === 'database') ?? volumes.find((v) => !v.readOnly) ?? volumes[0];
}

/**
 * Start the container again once repaired. A container its restart policy keeps looping was stopped
 * first (see `halt`), so this is the one start that sees the repaired directory.
 */
const start = (podman: Podman, c: ContainerInfo) => podman.start(c.name);

/** A looping container is stopped before its directory is touched, so no restart races the repair. */
const halt = async (podman: Podman, c: ContainerInfo, looping: boolean) => {
  if (looping) await podman.stop(c.name, { timeoutSeconds: 10 });
};

/**
 * postmaster.pid renamed to postmaster.pid.stale (replacing an older one): `podman unshare mv` locally,
 * a helper container through the named volume remotely.
 */
async function moveStalePid(podman: Podman, stack: Stack, v: VolumeSpec): Promise<void> {
  const files = await volumeFilesFor(podman);
  if (files.kind === 'local') {
    const pid = join(v.hostPath, 'postmaster.pid');
    await podman.unshare.run(['mv', '--', pid, `${pid}.stale`]);
    return;
  }
  const image = (await helperImages(podman, stack)(v)) ?? '';
  await files.batch(namedVolumeTarget(stack, v, image), [
    { op: 'remove', path: 'postmaster.pid.stale' }, // an older one goes, as `mv` over it did
    { op: 'rename', path: 'postmaster.pid', to: 'postmaster.pid.stale' },
  ]);
}

/** The safe repair of a signature: setup's own chown/chmod through podman unshare, then start again. */
function signatureFix(
  kind: LogFixKind,
  v: VolumeSpec,
  c: ContainerInfo,
  stack: Stack,
  looping: boolean,
): Fix {
  const stopFirst = looping ? `podman stop ${c.name}, ` : '';
  if (kind === 'stale-pid') {
    const pid = join(v.hostPath, 'postmaster.pid');
    return {
      describe: `${stopFirst}move ${pid} aside (postmaster.pid.stale) via podman unshare, then podman start ${c.name}`,
      async apply(podman) {
        await halt(podman, c, looping);
        await moveStalePid(podman, stack, v);
        await start(podman, c);
      },
    };
  }
  const action =
    kind === 'own-data-dir'
      ? {
          type: 'chown' as const,
          volume: v.name,
          path: v.hostPath,
          owner: v.owner,
          recursive: true,
          describe: `chown -R ${formatOwner(v.owner)} ${v.hostPath} via podman unshare`,
        }
      : {
          type: 'chmod' as const,
          volume: v.name,
          path: v.hostPath,
          mode: v.mode,
          describe: `chmod ${formatMode(v.mode)} ${v.hostPath} via podman unshare`,
        };
  return {
    describe: `${stopFirst}${action.describe}, then podman start ${c.name}`,
    async apply(podman) {
      await halt(podman, c, looping);
      await applySetup(podman, [action], { baseDir: stack.baseDir, stack });
      await start(podman, c);
    },
  };
}

const now = (ctx: DoctorContext) => ctx.settings.now().getTime();

function how(c: ContainerInfo, at: number): string {
  const state = stateOf(c, at);
  const restarts = c.restartCount > 0 ? `, restarted ${c.restartCount} times` : '';
  if (state === 'created') return `container ${c.name} was created but never started`;
  if (state === 'restarting' && c.running && c.startedAt !== null) {
    // Up again for a moment: after a repair that is a good sign, in a crash loop the next failure is near.
    const seconds = Math.max(0, Math.round((at - Date.parse(c.startedAt)) / 1000));
    return `container ${c.name} restarted ${c.restartCount} times and has run ${seconds} s since, under ${RESTART_SETTLE_MS / 1000} s: not settled yet (run doctor again shortly to tell a loop from a repair)`;
  }
  return `container ${c.name} ${state === 'restarting' ? 'keeps restarting' : state} (exit code ${c.exitCode}${restarts})`;
}

/** The finding for a recognised failure: the signature's id, the matched line, the fix. */
function recognised(ctx: DoctorContext, s: ServiceContainer, c: ContainerInfo, m: SignatureMatch): Finding {
  const v = dataVolume(ctx, s);
  const values: Record<string, string | undefined> = {
    container: c.name,
    service: s.service.name,
    path: v?.hostPath,
    owner: v ? formatOwner(v.owner) : undefined,
    mode: v ? formatMode(v.mode) : undefined,
    ...Object.fromEntries(m.groups.map((g, i) => [String(i + 1), g])),
  };
  // A crash loop is caught running between two restarts as often as not: it is repaired all the same
  // (stopped first); only a service that really runs is left alone.
  const looping = stateOf(c, now(ctx)) === 'restarting';
  const fix =
    m.signature.fix && v && (looping || !c.running)
      ? signatureFix(m.signature.fix, v, c, ctx.stack, looping)
      : undefined;
  return finding(m.signature, {
    volume: v?.name ?? null,
    message: `service ${s.service.name}: ${how(c, now(ctx))}: ${m.line}`,
    evidence: evidence(c, s, m.line, now(ctx)),
    hint: fillHint(m.signature.hint, values),
    ...(fix ? { fix } : {}),
  });
}

function evidence(
  c: ContainerInfo,
  s: ServiceContainer,
  line: string | null,
  at: number,
): Record<string, unknown> {
  return {
    service: s.service.name,
    container: c.name,
    state: stateOf(c, at),
    exitCode: c.exitCode,
    restartCount: c.restartCount,
    oomKilled: c.oomKilled,
    line,
  };
}

/** Reproduces a never-started container's start in a throwaway one: same image, user and volumes. */
async function startError(ctx: DoctorContext, c: ContainerInfo): Promise<string[]> {
  try {
    const result = await ctx.run(c.image, ['-c', ':'], {
      entrypoint: '/bin/sh',
      ...(c.user === '' ? {} : { user: c.user }),
      mounts: c.mounts
        .filter((m) => m.type === 'volume' && m.name !== null)
        .map((m) => ({ source: m.name ?? '', target: m.destination })),
    });
    return result.stderr.split('\n');
  } catch (error) {
    const details = (error as { details?: { stderr?: unknown } }).details;
    return String(typeof details?.stderr === 'string' ? details.stderr : (error as Error).message).split(
      '\n',
    );
  }
}

async function examine(ctx: DoctorContext, s: ServiceContainer, anyCreated: boolean): Promise<Finding[]> {
  const c = s.container;
  const at = now(ctx);
  const state = stateOf(c, at);
  const name = s.service.name;
  if (c === null) {
    const image = s.service.image;
    if (image && !(await ctx.imageExists(image))) {
      const [signature] = LOG_SIGNATURES.filter((x) => x.id === 'PHX-LOG-RUN-001');
      if (signature) {
        return [
          finding(signature, {
            message: `service ${name} has no container: image ${image} is not in local storage`,
            evidence: { service: name, image, line: `podman image exists ${image}: not found` },
            hint: signature.hint.replace('IMAGE', image),
          }),
        ];
      }
    }
    if (!anyCreated) return [];
    return [
      finding(SERVICE_ENTRIES.notCreated, {
        message: `service ${name} has no container while other services of ${ctx.stack.project} have one`,
        evidence: { service: name, image: image ?? null },
        hint: `podman-compose up -d ${name}   (and read what it prints)`,
      }),
    ];
  }
  if (state === 'running') return [];
  if (state === 'paused') return [];
  if (state === 'unhealthy') {
    return [
      finding(SERVICE_ENTRIES.unhealthy, {
        message: `service ${name}: container ${c.name} runs but its healthcheck reports unhealthy`,
        evidence: evidence(c, s, null, at),
        hint: `podman healthcheck run ${c.name}; podman inspect ${c.name} --format '{{json .State.Health}}'`,
      }),
    ];
  }
  if (state === 'stopped') {
    return [
      finding(SERVICE_ENTRIES.stopped, {
        message: `service ${name}: container ${c.name} was stopped (exit code 0)`,
        evidence: evidence(c, s, null, at),
        hint: `podman start ${c.name}`,
      }),
    ];
  }
  const lines = state === 'created' ? await startError(ctx, c) : await ctx.logs(c.name, LOG_TAIL);
  const match = matchSignature(lines, LOG_SIGNATURES);
  if (match) return [recognised(ctx, s, c, match)];
  const line = lastMeaningfulLine(lines);
  const entry =
    state === 'oom-killed'
      ? SERVICE_ENTRIES.oomKilled
      : state === 'created'
        ? SERVICE_ENTRIES.neverStarted
        : SERVICE_ENTRIES.down;
  return [
    finding(entry, {
      message: `service ${name}: ${how(c, at)}${line ? `; last log line: ${line}` : '; it wrote no log'}`,
      evidence: evidence(c, s, line, at),
      hint:
        state === 'created'
          ? `podman start ${c.name}   (prints the reason)`
          : `podman logs --tail ${LOG_TAIL} ${c.name}`,
    }),
  ];
}

const servicesDown: DoctorCheck = {
  ...SERVICE_ENTRIES.down,
  async run(ctx) {
    const services = await ctx.services();
    const anyCreated = services.some((s) => s.container !== null);
    return (await Promise.all(services.map((s) => examine(ctx, s, anyCreated)))).flat();
  },
};

/** Container state of every service, and the reason from its logs for the ones that are down or looping. */
export const serviceChecks: readonly DoctorCheck[] = [servicesDown];
