import { resolve } from 'node:path';
import type { PhoenixErrorCode } from '@phoenix-hydra/errors';
import { PhoenixError } from '@phoenix-hydra/errors';
import { composeError } from './compose-error.ts';
import { isInside, isNormal, pathsOverlap } from './is-inside.ts';
import type { Stack, VolumeSpec } from './model.ts';
import { formatMode, MAX_ID, NAME_PATTERN } from './model.ts';
import { MAX_MODE } from './parse-mode.ts';
import type { YamlSource } from './yaml-source.ts';

/** Linux's PATH_MAX (with its NUL) and NAME_MAX: longer paths fail in every system call. */
const MAX_PATH_BYTES = 4095;
const MAX_NAME_BYTES = 255;

function volumePath(source: YamlSource | undefined, volume: VolumeSpec, key: 'device' | 'mode' | 'owner') {
  const base = ['volumes', volume.name];
  if (key !== 'device') return [...base, 'x-phoenix', key];
  return source?.doc.hasIn([...base, 'driver_opts', 'device']) ? [...base, 'driver_opts', 'device'] : base;
}

/**
 * The first volume (in order) whose directory equals, contains or lies inside an earlier one's, with
 * that earlier volume; linear in the number of volumes (each path's ancestors are looked up in maps).
 */
function firstOverlap(volumes: readonly VolumeSpec[]): [VolumeSpec, VolumeSpec] | undefined {
  const exact = new Map<string, VolumeSpec>();
  const below = new Map<string, VolumeSpec>();
  for (const volume of volumes) {
    const path = isNormal(volume.hostPath) ? volume.hostPath : resolve(volume.hostPath);
    const ancestors: string[] = [];
    // dirname() of a resolved path, by slicing.
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1))
      ancestors.push(path.slice(0, end));
    if (path !== '/') ancestors.push('/');
    let earlier = exact.get(path) ?? below.get(path);
    for (let index = 0; earlier === undefined && index < ancestors.length; index++) {
      earlier = exact.get(ancestors[index] as string);
    }
    if (earlier !== undefined) return [earlier, volume];
    exact.set(path, volume);
    for (const dir of ancestors) if (!below.has(dir)) below.set(dir, volume);
  }
  return undefined;
}

/**
 * Checks the rules every command relies on, after inference: valid names, absolute host paths inside
 * the base directory (unless external), no two volumes sharing or nesting a directory, modes and ids in
 * range. Each failure is a one-line PhoenixError (exit 2) with a hint naming the edit that fixes it.
 */
export function validateStack(stack: Stack, source?: YamlSource): void {
  const file = stack.composeFile ?? 'the compose file';
  const fail = (
    code: PhoenixErrorCode,
    path: PropertyKey[],
    message: string,
    hint: string,
    details: Record<string, unknown>,
  ) =>
    source === undefined
      ? new PhoenixError(code, message, { hint, details })
      : composeError(source, path, message, { code, hint, details });

  for (const volume of stack.volumes) {
    const { name, hostPath } = volume;
    const at = (key: 'device' | 'mode' | 'owner') => volumePath(source, volume, key);
    if (!NAME_PATTERN.test(name)) {
      throw fail(
        'VOLUME_INVALID',
        ['volumes', name],
        `invalid volume name "${name}"`,
        `rename volume ${name} in ${file}`,
        {
          volume: name,
        },
      );
    }
    const bytes = Buffer.byteLength(hostPath);
    // No name is longer than the whole path, so the names are measured only when the path could hold a long one.
    const longest =
      bytes > MAX_NAME_BYTES
        ? Math.max(...hostPath.split('/').map((part) => Buffer.byteLength(part)))
        : bytes;
    if (bytes > MAX_PATH_BYTES || longest > MAX_NAME_BYTES) {
      throw fail(
        'VOLUME_INVALID',
        at('device'),
        `volume ${name}: host path is ${Buffer.byteLength(hostPath)} bytes, its longest name ${longest} (limits: ${MAX_PATH_BYTES}, ${MAX_NAME_BYTES})`,
        `use a host path under ${MAX_PATH_BYTES} bytes whose names are under ${MAX_NAME_BYTES} bytes for volume ${name} in ${file}`,
        { volume: name },
      );
    }
    if (!hostPath.startsWith('/')) {
      throw fail(
        'VOLUME_INVALID',
        at('device'),
        `volume ${name}: host path ${hostPath} is not absolute`,
        `set driver_opts.device to an absolute path for volume ${name} in ${file}`,
        { volume: name },
      );
    }
    if (!volume.external && !isInside(stack.baseDir, hostPath)) {
      throw fail(
        'PATH_OUTSIDE_BASE',
        at('device'),
        `volume ${name}: host path ${hostPath} is outside the base directory ${stack.baseDir}`,
        `move it under ${stack.baseDir} (driver_opts.device: ${stack.baseDir}/${name}) or set x-phoenix.external: true on volume ${name} in ${file}`,
        { volume: name, hostPath, baseDir: stack.baseDir },
      );
    }
    if (volume.external && pathsOverlap(hostPath, stack.baseDir) && !isInside(stack.baseDir, hostPath)) {
      throw fail(
        'PATH_CONFLICT',
        at('device'),
        `volume ${name}: host path ${hostPath} contains the base directory ${stack.baseDir}`,
        `point driver_opts.device of volume ${name} at its own directory in ${file}`,
        { volume: name, hostPath, baseDir: stack.baseDir },
      );
    }
    if (!Number.isInteger(volume.mode) || volume.mode < 0 || volume.mode > MAX_MODE) {
      throw fail(
        'VOLUME_INVALID',
        at('mode'),
        `volume ${name}: invalid mode ${volume.mode.toString(8)}, expected 0000-0777`,
        `set x-phoenix.mode: "${formatMode(0o755)}" on volume ${name} in ${file}`,
        { volume: name, value: volume.mode },
      );
    }
    for (const id of [volume.owner.uid, volume.owner.gid]) {
      if (Number.isInteger(id) && id >= 0 && id <= MAX_ID) continue; // idSchema, without a zod call per id
      throw fail(
        'VOLUME_INVALID',
        at('owner'),
        `volume ${name}: invalid owner id ${id}, expected 0-${MAX_ID}`,
        `set x-phoenix.owner: "999:999" (the uid:gid the service runs as) on volume ${name} in ${file}`,
        { volume: name, value: id },
      );
    }
  }

  const conflict = firstOverlap(stack.volumes);
  if (conflict !== undefined) {
    const [volume, other] = conflict;
    const relation = volume.hostPath === other.hostPath ? 'the same directory' : 'nested directories';
    throw fail(
      'PATH_CONFLICT',
      volumePath(source, other, 'device'),
      `volumes ${volume.name} and ${other.name} use ${relation}: ${volume.hostPath} and ${other.hostPath}`,
      `give volumes ${volume.name} and ${other.name} separate, non-nested directories (driver_opts.device) in ${file}`,
      { volumes: [volume.name, other.name], hostPaths: [volume.hostPath, other.hostPath] },
    );
  }
}
