import { dirname, resolve } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/errors';
import { composeError, fromZodError } from './compose-error.ts';
import type { ComposeFileData, XPhoenixStack } from './compose-schema.ts';
import { composeFileSchema } from './compose-schema.ts';
import { composeShape } from './compose-shape.ts';
import type { Env } from './interpolate.ts';
import type { UnsetUse } from './interpolate-values.ts';
import { interpolateValues } from './interpolate-values.ts';
import { NAME_PATTERN } from './model.ts';
import type { ParsedMount } from './parse-mount.ts';
import { parseMount } from './parse-mount.ts';
import type { ComposeUser } from './parse-owner.ts';
import { parseUser } from './parse-owner.ts';
import type { ComposeVolume } from './read-compose-volumes.ts';
import { readComposeVolumes } from './read-compose-volumes.ts';
import { readInputFile } from './read-input-file.ts';
import type { YamlSource } from './yaml-source.ts';
import { formatPath, parseYaml, where } from './yaml-source.ts';

/** A mount of a stack volume by a service, with where it is written in the file. */
export type ComposeMount = Extract<ParsedMount, { type: 'volume' }> & { path: PropertyKey[] };

/** A service as read from the file: image, parsed `user:` and its mounts of stack volumes. */
export interface ComposeService {
  name: string;
  image: string | undefined;
  user: ComposeUser | undefined;
  mounts: ComposeMount[];
}

/** A compose file read and checked, with enough source to point errors at lines. */
export interface ComposeModel {
  file: string;
  dir: string;
  name: string | undefined;
  xPhoenix: XPhoenixStack;
  services: ComposeService[];
  volumes: ComposeVolume[];
  warnings: string[];
  source: YamlSource;
}

// An unset variable in these values would silently move data to another directory.
const PATH_VALUES = [/^volumes\.[^.]+\.driver_opts\.device$/, /^x-phoenix\.baseDir$/];

function checkUnset(unset: UnsetUse[], source: YamlSource, warnings: string[]): void {
  const warned = new Set<string>();
  for (const { variable, path } of unset) {
    const at = formatPath(path);
    if (PATH_VALUES.some((pattern) => pattern.test(at))) {
      throw composeError(source, path, `variable ${variable} is not set, so this host path would be wrong`, {
        code: 'COMPOSE_VARIABLE',
        hint: `set ${variable} in the environment or in ${dirname(source.file)}/.env, or write \${${variable}:-/some/path}`,
        details: { variable },
      });
    }
    if (warned.has(variable)) continue;
    warned.add(variable);
    warnings.push(
      `variable ${variable} is not set, substituting an empty string (${at} at ${where(source, path)})`,
    );
  }
}

/** Longer names cannot be a directory name (NAME_MAX) once the project prefix is added. */
export const MAX_NAME_LENGTH = 200;

function checkName(source: YamlSource, path: PropertyKey[], what: 'service' | 'volume'): void {
  const name = String(path.at(-1));
  if (name.length > MAX_NAME_LENGTH) {
    throw composeError(source, path, `${what} name is ${name.length} characters long`, {
      code: what === 'volume' ? 'VOLUME_INVALID' : 'COMPOSE_INVALID',
      hint: `rename it to at most ${MAX_NAME_LENGTH} characters in ${source.file}`,
    });
  }
  if (NAME_PATTERN.test(name)) return;
  throw composeError(source, path, `invalid ${what} name "${name}"`, {
    code: what === 'volume' ? 'VOLUME_INVALID' : 'COMPOSE_INVALID',
    hint: `rename ${what} "${name}" in ${source.file}: start with a letter or digit, then letters, digits, "_", "." or "-"`,
  });
}

/** The slow path of composeShape: zod copies the whole file, and words the error when it is malformed. */
function checkWithZod(data: unknown, source: YamlSource): ComposeFileData {
  const parsed = composeFileSchema.safeParse(data);
  if (!parsed.success) throw fromZodError(source, parsed.error);
  return parsed.data;
}

/** Parses, interpolates and checks compose text; `file` must be absolute (relative paths resolve against it). */
export function parseCompose(text: string, file: string, env: Env): ComposeModel {
  const { data: raw, source } = parseYaml(file, text);
  if (raw === null || raw === undefined) {
    throw new PhoenixError('COMPOSE_INVALID', `${file}: the compose file is empty`, {
      hint: `add services: and volumes: to ${file}, or remove it to use the built-in stack`,
      details: { file },
    });
  }
  const warnings: string[] = [];
  const { data: interpolated, unset } = interpolateValues(raw, env, source);
  checkUnset(unset, source, warnings);
  const compose = composeShape(interpolated) ?? checkWithZod(interpolated, source);

  for (const name of Object.keys(compose.volumes ?? {})) checkName(source, ['volumes', name], 'volume');
  const { volumes, unmanaged } = readComposeVolumes(compose.volumes ?? {}, source, warnings);
  const declared = new Set([...volumes.map((volume) => volume.name), ...unmanaged]);

  const services: ComposeService[] = [];
  for (const [name, service] of Object.entries(compose.services ?? {})) {
    checkName(source, ['services', name], 'service');
    const user = service.user === undefined ? undefined : parseUser(service.user);
    if (service.user !== undefined && user === undefined) {
      throw composeError(source, ['services', name, 'user'], `invalid user "${service.user}"`, {
        hint: `write user: "uid:gid" (for example "999:999") for service ${name} in ${file}`,
      });
    }
    const mounts: ComposeMount[] = [];
    for (const [index, entry] of (service.volumes ?? []).entries()) {
      const path = ['services', name, 'volumes', index];
      const mount = parseMount(entry, source, path, warnings);
      if (mount.type !== 'volume') continue;
      if (!declared.has(mount.volume)) {
        throw composeError(
          source,
          path,
          `service ${name} mounts volume "${mount.volume}", which is not declared`,
          {
            code: 'COMPOSE_INVALID',
            hint: `declare ${mount.volume}: under the top-level volumes: of ${file} (declared: ${[...declared].join(', ') || 'none'})`,
            details: { volume: mount.volume, service: name },
          },
        );
      }
      if (!unmanaged.includes(mount.volume)) mounts.push({ ...mount, path });
    }
    services.push({ name, image: service.image, user, mounts });
  }
  return {
    file,
    dir: dirname(file),
    name: compose.name,
    xPhoenix: compose['x-phoenix'] ?? {},
    services,
    volumes,
    warnings,
    source,
  };
}

/** A compose file larger than this is refused before it is parsed (the largest real ones are a few hundred KiB). */
export const MAX_COMPOSE_BYTES = 8 * 1024 * 1024;

/** Reads and parses a compose file; `env` must already include the `.env` file's variables. */
export async function readCompose(file: string, env: Env): Promise<ComposeModel> {
  const absolute = resolve(file);
  const text = await readInputFile(absolute, {
    what: 'compose file',
    maxBytes: MAX_COMPOSE_BYTES,
    code: 'COMPOSE_INVALID',
    missingCode: 'COMPOSE_NOT_FOUND',
    hint: 'check the path given to --compose (relative paths start in the directory you ran the command in), or run from the directory that holds podman-compose.yaml',
  });
  return parseCompose(text, absolute, env);
}
