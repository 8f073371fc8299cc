import { userInfo } from 'node:os';
import { posix } from 'node:path';
import { defaultBackupDir, lockDir, type Stack, toMachinePath } from '@phoenix-hydra/core';
import {
  type ContainerInfo,
  callAllowFail,
  type Podman,
  type PodmanInfo,
  type PodmanLocation,
  type RunOptions,
  type RunResult,
} from '@phoenix-hydra/podman-adapter';
import { observeStack, type StackObservation } from '../observe.ts';
import { findServiceContainers, type ServiceContainer } from '../service-states.ts';
import { findVolumeUsers, type VolumeUser } from '../usage/volume-users.ts';
import { readUserNamespace, type UserNamespace } from '../user-namespace.ts';
import { helperImages, volumeSource } from '../volume-targets.ts';
import { DEFAULT_MIN_FREE_BYTES } from './checks-space.ts';
import { SkipCheck } from './finding.ts';

/** A finished command: the exit code is data, not an error. */
export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Thresholds, files and clocks of one doctor run; every field has a default (see resolveSettings). */
interface DoctorSettings {
  user: { name: string; uid: number; gid: number };
  /** Whether this process runs as root (podman is then rootful). */
  root: boolean;
  subuidFile: string;
  subgidFile: string;
  /** PATH searched for newuidmap/newgidmap. */
  path: string;
  /** Where backup, restore and cleanup lock a project (core's lockDir). */
  lockDir: (project: string) => string;
  /** Where `backup create` writes by default (core's defaultBackupDir, PHOENIX_BACKUP_DIR). */
  backupDir: string;
  /** The newest backup may be this old (default 24 h). */
  backupMaxAgeMs: number;
  minFreeBytes: { database: number; other: number };
  /** Below this fraction of free inodes a volume is reported (default 5 %). */
  minFreeInodesRatio: number;
  /** A logs volume above this size is growing without rotation (default 1 GiB). */
  logsMaxBytes: number;
  /** A single log file above this size is not rotated (default 100 MB). */
  logFileMaxBytes: number;
  /** Image of the volume probes (PHX-PROBE-001); default: the volume's service image. */
  probeImage: string | undefined;
  /** Time limit of each check (default 60 s). */
  checkTimeoutMs: number;
  now: () => Date;
}

/** What a caller may override; the CLI passes flags and PHOENIX_SUBUID_FILE / PHOENIX_SUBGID_FILE. */
export type DoctorOptions = Partial<DoctorSettings> & { env?: NodeJS.ProcessEnv };

/** Fills in every default of a doctor run. */
export function resolveSettings(options: DoctorOptions = {}): DoctorSettings {
  const env = options.env ?? process.env;
  const me = userInfo();
  return {
    user: options.user ?? { name: me.username, uid: me.uid, gid: me.gid },
    root: options.root ?? process.getuid?.() === 0,
    subuidFile: options.subuidFile ?? env.PHOENIX_SUBUID_FILE ?? '/etc/subuid',
    subgidFile: options.subgidFile ?? env.PHOENIX_SUBGID_FILE ?? '/etc/subgid',
    path: options.path ?? env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    lockDir: options.lockDir ?? ((project) => lockDir(project, env)),
    backupDir: options.backupDir ?? defaultBackupDir(env),
    backupMaxAgeMs: options.backupMaxAgeMs ?? 24 * 60 * 60 * 1000,
    minFreeBytes: options.minFreeBytes ?? { ...DEFAULT_MIN_FREE_BYTES },
    minFreeInodesRatio: options.minFreeInodesRatio ?? 0.05,
    logsMaxBytes: options.logsMaxBytes ?? 1024 ** 3,
    logFileMaxBytes: options.logFileMaxBytes ?? 100e6,
    probeImage: options.probeImage,
    checkTimeoutMs: options.checkTimeoutMs ?? 60_000,
    now: options.now ?? (() => new Date()),
  };
}

/**
 * The facts checks share, each gathered at most once per run (podman info alone takes seconds), and
 * the few podman calls checks make; a unit test replaces it with recorded outputs.
 */
export interface DoctorContext {
  stack: Stack;
  settings: DoctorSettings;
  /** The client fixes use; checks go through the methods below. */
  podman: Podman;
  info(): Promise<PodmanInfo>;
  /** Whether podman is a remote client (podman machine): the host checks then look at the machine, not here. */
  remote(): Promise<PodmanLocation>;
  /** Id maps from the (injectable) subuid/subgid files; SUBID_MISSING when the user has no range. */
  namespace(): Promise<UserNamespace>;
  observation(): Promise<StackObservation>;
  /** Every service with its container (null when it has none), found by compose labels. */
  services(): Promise<ServiceContainer[]>;
  /** The stack's containers, running or not (those of services()). */
  containers(): Promise<ContainerInfo[]>;
  /** The last `tail` lines a container wrote. */
  logs(container: string, tail: number): Promise<string[]>;
  /** Every container that mounts one of the stack's volumes (podman refuses to remove those). */
  volumeUsers(): Promise<VolumeUser[]>;
  imageExists(image: string): Promise<boolean>;
  /** `podman unshare ARGV`, as root of the user namespace. */
  unshare(argv: readonly string[]): Promise<ProcessResult>;
  /** A throwaway container. */
  run(image: string, argv: readonly string[], options: RunOptions): Promise<RunResult>;
  /** A command in a running container. */
  exec(container: string, argv: readonly string[]): Promise<ProcessResult>;
}

/**
 * What a check that reads inside the volumes says through a remote podman when no helper container could
 * do it: plainly what was not looked at and where to look (instead of podman's raw refusal).
 */
const REMOTE_UNSEEN =
  'it reads the files inside the volumes, which a remote podman can only do in a helper container, and none could run it; to see it, run phoenix-volumes doctor on the machine (podman machine ssh)';

/**
 * `podman unshare ARGV` through a remote podman, which has none: ARGV runs as root (the same user namespace
 * root) in a throwaway container of the stack's own image, every volume directory that exists mounted
 * read-only at its path on the machine (through its named volume when that is bound there), so the same
 * command sees the same files, owners and filesystems. Checks only read. From Windows a volume's path here
 * (`C:\Users\me\x\logs`) is not one a Linux container can mount at: it is mounted at the machine's name for
 * it (`/mnt/c/Users/me/x/logs`) and ARGV's paths are rewritten to match, so what a check prints names files
 * where they are on the machine.
 */
export function remoteUnshare(
  stack: Stack,
  podman: Podman,
  observation: () => Promise<StackObservation>,
  platform: NodeJS.Platform = process.platform,
): (argv: readonly string[]) => Promise<ProcessResult> {
  const helper = once(async () => {
    const image = await helperImages(podman, stack)();
    const { volumes } = await observation();
    const seen = volumes.filter((v) => v.dir !== null);
    const mounts = seen.map((v) => ({
      source: volumeSource(v, platform),
      target: toMachinePath(v.spec.hostPath, platform) ?? posix.join('/phoenix-volumes', v.spec.name),
      options: ['ro'],
    }));
    const paths = seen
      .map((v, i) => ({ client: v.spec.hostPath, machine: mounts[i]?.target ?? v.spec.hostPath }))
      .sort((a, b) => b.client.length - a.client.length);
    return { image, mounts, inHelper: (arg: string) => toHelperPath(arg, paths, platform) };
  });
  // One helper at a time: checks run side by side, and many concurrent `podman run`s through podman 4.3's
  // service (beside a stack's restart-looping containers) took minutes and once wedged it.
  let queue: Promise<unknown> = Promise.resolve();
  return (argv) => {
    const turn = queue.then(async () => {
      const { image, mounts, inHelper } = await helper();
      const [cmd, ...args] = argv;
      if (image === null || cmd === undefined) throw new SkipCheck(REMOTE_UNSEEN);
      const r = await podman
        .run(image, args.map(inHelper), {
          user: '0:0',
          entrypoint: cmd,
          mounts,
          timeoutMs: REMOTE_HELPER_TIMEOUT_MS,
        })
        .catch(() => {
          throw new SkipCheck(REMOTE_UNSEEN);
        });
      // 125-127: the helper did not start or the image lacks the tool (a busybox image): not a finding.
      if (r.exitCode >= 125 && r.exitCode <= 127) throw new SkipCheck(REMOTE_UNSEEN);
      return r;
    });
    queue = turn.catch(() => undefined);
    return turn;
  };
}

/** ARG with a volume's path here replaced by where the helper mounts it (`C:\x\logs\a` → `/mnt/c/x/logs/a`). */
function toHelperPath(
  arg: string,
  paths: readonly { client: string; machine: string }[],
  platform: NodeJS.Platform,
): string {
  const separators = platform === 'win32' ? ['\\', '/'] : ['/'];
  for (const { client, machine } of paths) {
    if (client === machine) continue;
    if (arg === client) return machine;
    if (arg.startsWith(client) && separators.includes(arg.charAt(client.length))) {
      const rest = arg
        .slice(client.length + 1)
        .split(/[\\/]+/)
        .filter((p) => p !== '');
      return posix.join(machine, ...rest);
    }
  }
  return arg;
}

/** How long one of doctor's remote helpers may take before its check is skipped instead of waited for. */
const REMOTE_HELPER_TIMEOUT_MS = 60_000;

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= make();
    return promise;
  };
}

/** The real context: podman and the files of this host. */
export function createDoctorContext(
  stack: Stack,
  podman: Podman,
  options: DoctorOptions = {},
): DoctorContext {
  const settings = resolveSettings(options);
  const namespace = once(() =>
    readUserNamespace({ subuidFile: settings.subuidFile, subgidFile: settings.subgidFile, podman }),
  );
  const observation = once(async () => observeStack(stack, podman, await namespace()));
  const services = once(() => findServiceContainers(stack, podman));
  const throughHelper = remoteUnshare(stack, podman, observation);
  const containers = once(async () =>
    (await services()).flatMap((s) => (s.container === null ? [] : [s.container])),
  );
  return {
    stack,
    settings,
    podman,
    info: once(() => podman.info()),
    remote: () => podman.remote(),
    namespace,
    observation,
    services,
    containers,
    logs: (container, tail) => podman.logs(container, { tail }),
    volumeUsers: once(async () => findVolumeUsers(podman, await observation())),
    imageExists: async (image) =>
      (await callAllowFail(podman.config, ['image', 'exists', '--', image])).exitCode === 0,
    unshare: async (argv) => {
      if ((await podman.remote()).remote) return throughHelper(argv);
      return callAllowFail(podman.config, ['unshare', ...argv]);
    },
    run: (image, argv, runOptions) => podman.run(image, argv, runOptions),
    exec: (container, argv) => podman.execText(container, argv, { reject: false }),
  };
}
