import { formatMode, formatOwner, type Owner, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import { applySetup } from '../apply-setup.ts';
import { isNginxConfig, type PathState, type VolumeObservation } from '../observe.ts';
import { describeOwner, type SetupAction, seedDefaultConfAction } from '../plan-setup.ts';
import type { DoctorContext } from './context.ts';
import { type Finding, type Fix, finding } from './finding.ts';
import type { DoctorCheck } from './run-doctor.ts';

/** A fix made of setup's own actions, applied the way setup applies them. */
export function setupFix(ctx: DoctorContext, actions: SetupAction[]): Fix {
  return {
    describe: actions.map((a) => a.describe).join('; '),
    // The stack lets a remote podman apply the actions in helper containers, as setup does.
    apply: (podman) => applySetup(podman, actions, { baseDir: ctx.stack.baseDir, stack: ctx.stack }),
  };
}

/** Whether a container process running as `owner` has `bits` (0o4 read, 0o5 read and enter) by the mode. */
export function permits(state: PathState, owner: Owner, bits: number): boolean {
  if (owner.uid === 0) return true;
  const shift = state.owner.uid === owner.uid ? 6 : state.owner.gid === owner.gid ? 3 : 0;
  return ((state.mode >> shift) & bits) === bits;
}

/** Runs `look` on each volume whose directory exists; other volumes are PHX-DIR-002's. */
async function eachDirectory(
  ctx: DoctorContext,
  look: (v: VolumeObservation & { dir: PathState }) => Finding | Finding[] | undefined | Promise<Finding[]>,
): Promise<Finding[]> {
  const { volumes } = await ctx.observation();
  const found = await Promise.all(
    volumes.map(async (v) => (v.dir?.type === 'directory' ? (look({ ...v, dir: v.dir }) ?? []) : [])),
  );
  return found.flat();
}

const BASE_DIR_MODE = 0o755;

const baseDirMissing: DoctorCheck = {
  id: 'PHX-DIR-001',
  title: 'base directory is missing',
  severity: 'error',
  why: 'every volume directory lives under it; podman-compose fails to mount a bind volume whose directory does not exist',
  async run(ctx) {
    const { baseDir } = await ctx.observation();
    const path = ctx.stack.baseDir;
    if (baseDir?.type === 'directory') return [];
    if (baseDir) {
      return [
        finding(this, {
          message: `${path} is a ${baseDir.type}, not a directory`,
          evidence: { path, type: baseDir.type },
          hint: `mv ${path} ${path}.old && phoenix-volumes setup`,
        }),
      ];
    }
    const action: SetupAction = {
      type: 'mkdir',
      volume: null,
      path,
      mode: BASE_DIR_MODE,
      describe: `create ${path}`,
    };
    return [
      finding(this, {
        message: `${path} does not exist`,
        evidence: { path },
        hint: 'phoenix-volumes setup',
        fix: setupFix(ctx, [action]),
      }),
    ];
  },
};

function createVolumeDir(stack: Stack, spec: VolumeSpec, ownerWords: string): SetupAction[] {
  const actions: SetupAction[] = [
    {
      type: 'mkdir',
      volume: spec.name,
      path: spec.hostPath,
      mode: spec.mode,
      describe: `create ${spec.hostPath}`,
    },
    {
      type: 'chown',
      volume: spec.name,
      path: spec.hostPath,
      owner: spec.owner,
      recursive: false,
      describe: `give ${spec.hostPath} to ${ownerWords} via podman unshare`,
    },
  ];
  if (isNginxConfig(spec)) actions.push(seedDefaultConfAction(stack, spec));
  return actions;
}

const volumeDirMissing: DoctorCheck = {
  id: 'PHX-DIR-002',
  title: 'volume directory is missing',
  severity: 'error',
  why: 'podman cannot mount a bind-backed volume whose directory is gone: the container does not start',
  async run(ctx) {
    const observation = await ctx.observation();
    return observation.volumes.flatMap((v) => {
      const { spec, dir } = v;
      if (dir?.type === 'directory') return [];
      if (dir) {
        return [
          finding(this, {
            volume: spec.name,
            message: `${spec.hostPath} is a ${dir.type}, not a directory`,
            evidence: { path: spec.hostPath, type: dir.type },
            hint: `mv ${spec.hostPath} ${spec.hostPath}.old && phoenix-volumes setup`,
          }),
        ];
      }
      return [
        finding(this, {
          volume: spec.name,
          message: `${spec.hostPath} does not exist`,
          evidence: { path: spec.hostPath },
          hint: 'phoenix-volumes setup',
          fix: setupFix(ctx, createVolumeDir(ctx.stack, spec, describeOwner(spec.owner, observation))),
        }),
      ];
    });
  },
};

const wrongMode: DoctorCheck = {
  id: 'PHX-MODE-001',
  title: 'volume directory has the wrong mode',
  severity: 'error',
  why: 'postgres refuses a data directory group- or world-readable; a mode without write bits stops the service writing',
  async run(ctx) {
    const via = await fixPath(ctx);
    return eachDirectory(ctx, ({ spec, dir }) => {
      if (dir.mode === spec.mode) return undefined;
      const [actual, expected] = [formatMode(dir.mode), formatMode(spec.mode)];
      const action: SetupAction = {
        type: 'chmod',
        volume: spec.name,
        path: spec.hostPath,
        mode: spec.mode,
        describe: `chmod ${expected} ${spec.hostPath} (now ${actual}) via ${via.tool}`,
      };
      return finding(this, {
        volume: spec.name,
        message: `${spec.hostPath} has mode ${actual}, expected ${expected}`,
        evidence: { path: spec.hostPath, actual, expected },
        hint: via.byHand(`chmod ${expected} ${spec.hostPath}`),
        fix: setupFix(ctx, [action]),
      });
    });
  },
};

/**
 * How a directory gets fixed: `podman unshare` locally; a helper container through a remote podman
 * (podman machine), which has no `podman unshare`, so the by-hand fix is setup itself.
 */
async function fixPath(ctx: DoctorContext): Promise<{ tool: string; byHand: (argv: string) => string }> {
  if ((await ctx.remote()).remote) {
    return {
      tool: 'a helper container',
      byHand: () =>
        'phoenix-volumes setup   (a remote podman has no podman unshare: setup fixes it in a helper container)',
    };
  }
  return { tool: 'podman unshare', byHand: (argv) => `podman unshare ${argv}` };
}

const wrongOwner: DoctorCheck = {
  id: 'PHX-OWNER-001',
  title: 'volume directory has the wrong owner as the container sees it',
  severity: 'error',
  why: 'the service writes as its own uid inside the container; a directory owned by anyone else gives "Permission denied" (initdb fails). chown to your own uid does not help under rootless podman',
  async run(ctx) {
    const observation = await ctx.observation();
    const via = await fixPath(ctx);
    return eachDirectory(ctx, ({ spec, dir }) => {
      const { uid, gid } = dir.owner;
      if (uid === spec.owner.uid && gid === spec.owner.gid) return undefined;
      const container = uid === undefined || gid === undefined ? 'unmapped' : formatOwner({ uid, gid });
      const host = `${dir.hostUid}:${dir.hostGid}`;
      const expected = describeOwner(spec.owner, observation);
      const action: SetupAction = {
        type: 'chown',
        volume: spec.name,
        path: spec.hostPath,
        owner: spec.owner,
        recursive: true,
        describe: `chown -R ${formatOwner(spec.owner)} ${spec.hostPath} via ${via.tool} (now ${container}, host ${host})`,
      };
      // Podman gives a new volume to the container's user on its first mount (NeedsChown): nginx's read-only
      // conf.d becomes root's. Harmless while the service can still read it.
      const harmless = spec.readOnly && permits(dir, spec.owner, 0o5);
      return finding(this, {
        volume: spec.name,
        ...(harmless ? { severity: 'info' as const } : {}),
        message: `${spec.hostPath} is owned by ${container} in the container (host ${host}); ${spec.services.join(', ') || 'its service'} runs as ${expected}${harmless ? ', and can still read it (read-only volume; podman chowns a new volume to the container user on first mount)' : ''}`,
        evidence: {
          path: spec.hostPath,
          containerOwner: container,
          hostOwner: host,
          expected: formatOwner(spec.owner),
          expectedHost: expected,
        },
        hint: via.byHand(`chown -R ${formatOwner(spec.owner)} ${spec.hostPath}`),
        fix: setupFix(ctx, [action]),
      });
    });
  },
};

/** The checks of the directories themselves: present, mode, owner as the container sees it. */
export const directoryChecks: readonly DoctorCheck[] = [
  baseDirMissing,
  volumeDirMissing,
  wrongMode,
  wrongOwner,
];
