import { composeError, fromZodError } from './compose-error.ts';
import { longMountSchema } from './compose-schema.ts';
import type { SelinuxLabel } from './model.ts';
import { NAME_PATTERN } from './model.ts';
import type { YamlSource } from './yaml-source.ts';
import { formatPath } from './yaml-source.ts';

/** A service mount of a stack volume, or something else (bind, anonymous, tmpfs) the stack does not manage. */
export type ParsedMount =
  | { type: 'volume'; volume: string; target: string; readOnly: boolean; selinux: SelinuxLabel }
  | { type: 'other'; target: string };

/** Short-syntax options compose and podman accept; ro/rw and z/Z matter here, the rest are passed through. */
const KNOWN_OPTIONS = new Set([
  ...['ro', 'rw', 'z', 'Z', 'U', 'O', 'nocopy', 'copy', 'consistent', 'cached', 'delegated', 'idmap'],
  ...['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'unbindable', 'runbindable'],
  ...['bind', 'rbind', 'exec', 'noexec', 'dev', 'nodev', 'suid', 'nosuid'],
]);

/** Host paths start with ".", "/" or "~" (compose's rule); anything else names a volume. */
const HOST_PATH = /^[~/.]/;

function parseShort(text: string, source: YamlSource, path: PropertyKey[], warnings: string[]): ParsedMount {
  const parts = text.split(':');
  const fail = (reason: string) =>
    composeError(source, path, `"${text}" ${reason}`, {
      hint: `write it as volume:/container/path[:ro,Z] in ${source.file}`,
    });
  if (parts.length > 3) throw fail('has too many ":"-separated parts');
  let [sourcePart, target, options] = parts.length === 1 ? [undefined, parts[0], undefined] : parts;
  if (parts.length === 2 && !target?.startsWith('/'))
    [sourcePart, target, options] = [undefined, parts[0], parts[1]];
  if (target === undefined || !target.startsWith('/')) throw fail('needs an absolute container path');
  if (sourcePart === '') throw fail('has an empty source (an unset variable?)');
  const opts = (options ?? '').split(',').filter((option) => option !== '');
  for (const option of opts) {
    if (!KNOWN_OPTIONS.has(option))
      warnings.push(`${formatPath(path)}: unknown mount option "${option}" ignored`);
  }
  if (sourcePart === undefined || HOST_PATH.test(sourcePart)) return { type: 'other', target };
  if (!NAME_PATTERN.test(sourcePart)) throw fail(`names an invalid volume "${sourcePart}"`);
  const readOnly = opts.lastIndexOf('ro') > opts.lastIndexOf('rw');
  const selinux: SelinuxLabel = opts.includes('Z') ? 'Z' : opts.includes('z') ? 'z' : 'none';
  return { type: 'volume', volume: sourcePart, target, readOnly, selinux };
}

/** Parses one entry of a service's `volumes:`, short (`db_data:/data:ro,Z`) or long syntax. */
export function parseMount(
  entry: unknown,
  source: YamlSource,
  path: PropertyKey[],
  warnings: string[],
): ParsedMount {
  if (typeof entry === 'string') return parseShort(entry, source, path, warnings);
  const parsed = longMountSchema.safeParse(entry);
  if (!parsed.success) throw fromZodError(source, parsed.error, path);
  const mount = parsed.data;
  if (mount.type !== 'volume' || mount.source === undefined || mount.source === '') {
    return { type: 'other', target: mount.target };
  }
  if (!NAME_PATTERN.test(mount.source)) {
    throw composeError(source, [...path, 'source'], `invalid volume name "${mount.source}"`, {
      hint: `use a name declared under top-level volumes: in ${source.file}`,
    });
  }
  return {
    type: 'volume',
    volume: mount.source,
    target: mount.target,
    readOnly: mount.read_only ?? false,
    selinux: mount.bind?.selinux ?? 'none',
  };
}
