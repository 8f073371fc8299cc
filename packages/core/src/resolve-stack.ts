import { realpath } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/errors';
import { homeOf, resolveBaseDir } from './base-dir.ts';
import { isValidStack } from './check-stack.ts';
import { defaultStack } from './default-stack.ts';
import { expandHome } from './expand-home.ts';
import { findComposeFile } from './find-compose.ts';
import { inferVolume } from './infer-volume.ts';
import type { Env } from './interpolate.ts';
import { isNormal } from './is-inside.ts';
import type { ServiceSpec, Stack, VolumeSpec } from './model.ts';
import { stackSchema } from './model.ts';
import { resolveProjectName } from './project-name.ts';
import type { ComposeModel, ComposeService } from './read-compose.ts';
import { readCompose } from './read-compose.ts';
import { readDotenv } from './read-dotenv.ts';
import { resticLocation } from './restic-location.ts';
import { validateStack } from './validate-stack.ts';

/** What the CLI passes in: its flags and the environment; everything else is read from disk. */
export interface ResolveStackOptions {
  /** Directory searched for a compose file and against which relative options resolve. */
  cwd: string;
  /** Explicit compose file (--compose); otherwise COMPOSE_FILE, then the names in COMPOSE_FILE_NAMES. */
  composeFile?: string | undefined;
  project?: string | undefined;
  baseDir?: string | undefined;
  /** Defaults to process.env; the compose file's `.env` fills in what it does not set. */
  env?: Env | undefined;
}

/** The stack every command works on, what to tell the user about it, and where it came from. */
export interface ResolvedStack {
  stack: Stack;
  warnings: string[];
  source: 'compose' | 'default';
}

async function locateComposeFile(options: ResolveStackOptions, env: Env) {
  const home = homeOf(env);
  if (options.composeFile !== undefined) {
    return { file: resolve(options.cwd, expandHome(options.composeFile, home)), warnings: [] };
  }
  const fromEnv = env.COMPOSE_FILE;
  if (fromEnv !== undefined && fromEnv !== '') {
    const files = fromEnv.split(env.COMPOSE_PATH_SEPARATOR ?? ':').filter((file) => file !== '');
    if (files.length > 1) {
      throw new PhoenixError(
        'USAGE',
        `COMPOSE_FILE names ${files.length} files; merging compose files is not supported`,
        {
          hint: 'merge them into one file (podman-compose config > merged.yaml) and pass it with --compose',
        },
      );
    }
    if (files[0] !== undefined)
      return { file: resolve(options.cwd, expandHome(files[0], home)), warnings: [] };
  }
  return findComposeFile(options.cwd);
}

function toServiceSpec(service: ComposeService): ServiceSpec {
  const { uid, gid, userName } = service.user ?? {};
  return {
    name: service.name,
    ...(service.image === undefined ? {} : { image: service.image }),
    ...(uid === undefined ? {} : { user: gid === undefined ? { uid } : { uid, gid } }),
    ...(userName === undefined ? {} : { userName }),
    mounts: service.mounts.map(({ volume, target, readOnly, selinux }) => ({
      volume,
      target,
      readOnly,
      selinux,
    })),
  };
}

async function fromCompose(
  model: ComposeModel,
  options: ResolveStackOptions,
  env: Env,
): Promise<ResolvedStack> {
  const warnings = [...model.warnings];
  const composeDir = await realpath(model.dir).catch(() => model.dir);
  const named = resolveProjectName({
    option: options.project,
    env,
    composeName: model.name,
    xPhoenixProject: model.xPhoenix.project,
    composeDir,
  });
  warnings.push(...named.warnings);
  const home = homeOf(env);
  const devices = new Map<string, string>();
  for (const volume of model.volumes) {
    if (volume.device === undefined) continue;
    if (!isAbsolute(volume.device)) {
      warnings.push(
        `volume ${volume.name}: driver_opts.device "${volume.device}" is not absolute; podman-compose passes it ` +
          'to podman unchanged, so write an absolute path',
      );
    }
    const device = expandHome(volume.device, home);
    devices.set(volume.name, isNormal(device) ? device : resolve(model.dir, device));
  }
  const { baseDir } = resolveBaseDir({
    option: options.baseDir,
    xPhoenixBaseDir: model.xPhoenix.baseDir,
    env,
    devices: model.volumes
      .filter((volume) => !volume.x.external)
      .flatMap((volume) => devices.get(volume.name) ?? []),
    project: named.project,
    cwd: options.cwd,
    composeDir: model.dir,
  });
  // Each volume sees only the services that mount it, so inference stays linear in the file's size.
  const mounters = new Map<string, ComposeService[]>();
  for (const service of model.services) {
    for (const name of new Set(service.mounts.map((mount) => mount.volume))) {
      const users = mounters.get(name);
      if (users === undefined) mounters.set(name, [service]);
      else users.push(service);
    }
  }
  const volumes: VolumeSpec[] = [];
  for (const volume of model.volumes) {
    const hostPath = devices.get(volume.name) ?? resolve(baseDir, volume.name);
    const users = mounters.get(volume.name) ?? [];
    const spec = inferVolume(volume, users, hostPath, { source: model.source, warnings });
    if (spec !== undefined) volumes.push(spec);
  }
  const stack: Stack = {
    project: named.project,
    baseDir,
    composeFile: model.file,
    services: model.services.map(toServiceSpec),
    volumes,
    ...(model.xPhoenix.postgres === undefined ? {} : { postgres: model.xPhoenix.postgres }),
    ...(model.xPhoenix.offsite === undefined
      ? {}
      : { offsite: resolveOffsite(model.xPhoenix.offsite, model.dir, home) }),
  };
  validateStack(stack, model.source);
  return { stack, warnings, source: 'compose' };
}

/** x-phoenix.offsite with a local repository path and the password file resolved against the compose file's directory. */
function resolveOffsite(
  offsite: NonNullable<ComposeModel['xPhoenix']['offsite']>,
  dir: string,
  home: string,
): NonNullable<Stack['offsite']> {
  return {
    repo: resticLocation(offsite.repo, dir, home),
    ...(offsite.passwordFile === undefined
      ? {}
      : { passwordFile: resolve(dir, expandHome(offsite.passwordFile, home)) }),
    ...(offsite.passwordEnv === undefined ? {} : { passwordEnv: offsite.passwordEnv }),
  };
}

/**
 * Resolves the stack from a compose file (explicit, COMPOSE_FILE, or found in cwd) or, when there is
 * none, the built-in stack of the original design; validated, so commands can trust every field.
 */
export async function resolveStack(options: ResolveStackOptions): Promise<ResolvedStack> {
  const processEnv = options.env ?? process.env;
  const located = await locateComposeFile(options, processEnv);
  let resolved: ResolvedStack;
  if (located.file === undefined) {
    const { project } = resolveProjectName({ option: options.project, env: processEnv });
    const { baseDir } = resolveBaseDir({
      option: options.baseDir,
      env: processEnv,
      devices: [],
      project,
      cwd: options.cwd,
    });
    const stack = defaultStack({ project, baseDir });
    validateStack(stack);
    resolved = { stack, warnings: [...located.warnings], source: 'default' };
  } else {
    const dir = resolve(located.file, '..');
    // Compose reads the .env next to the compose file; the process environment wins over it.
    const env: Env = { ...(await readDotenv(dir, processEnv)), ...definedOnly(processEnv) };
    const model = await readCompose(located.file, env);
    resolved = await fromCompose(model, options, env);
    resolved.warnings.unshift(...located.warnings);
  }
  // The model's rules, checked without zod's copy unless they fail (then zod names the problem).
  const checked = isValidStack(resolved.stack)
    ? { success: true as const }
    : stackSchema.safeParse(resolved.stack);
  if (!checked.success) {
    throw new PhoenixError(
      'INTERNAL',
      `resolved stack does not match the model: ${checked.error.issues[0]?.message}`,
      {
        hint: 'report this as a bug with the output of phoenix-volumes config',
        cause: checked.error,
      },
    );
  }
  return resolved;
}

function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
