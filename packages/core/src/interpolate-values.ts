import { isPhoenixError, PhoenixError } from '@phoenix-hydra/errors';
import type { Env } from './interpolate.ts';
import { interpolate } from './interpolate.ts';
import type { YamlSource } from './yaml-source.ts';
import { formatPath, where } from './yaml-source.ts';

/** A variable that was unset with no default, and the document path of the value that used it. */
export interface UnsetUse {
  variable: string;
  path: PropertyKey[];
}

/** A document path built only when it is needed (an unset variable or an error), not for every value. */
interface PathLink {
  parent: PathLink | undefined;
  key: PropertyKey;
}

function linkOf(parent: PathLink | undefined, key: PropertyKey | undefined): PathLink | undefined {
  return key === undefined ? parent : { parent, key };
}

function toPath(link: PathLink | undefined): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at = link; at !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** A key "__proto__" stays a plain key, as in the parsed data (assignment would set the prototype). */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Interpolates every string value of a parsed document (keys are left alone, as compose does); refuses NUL characters. */
export function interpolateValues(
  data: unknown,
  env: Env,
  source: YamlSource,
): { data: unknown; unset: UnsetUse[] } {
  const unset: UnsetUse[] = [];
  // A value's link is made only when its path is reported or it is a container, not for every scalar.
  const walk = (value: unknown, parent: PathLink | undefined, key: PropertyKey | undefined): unknown => {
    if (typeof value === 'string') {
      if (value.includes('\0')) {
        const path = toPath(linkOf(parent, key));
        throw new PhoenixError(
          'COMPOSE_INVALID',
          `${where(source, path)}: ${formatPath(path)}: contains a NUL character`,
          {
            hint: `remove the "\\0" from ${formatPath(path)} in ${source.file}: no name, path or argument can hold one`,
            details: { file: source.file, path: formatPath(path) },
          },
        );
      }
      if (!value.includes('$')) return value;
      try {
        const result = interpolate(value, env);
        if (result.unset.length > 0) {
          const path = toPath(linkOf(parent, key));
          for (const variable of result.unset) unset.push({ variable, path });
        }
        return result.value;
      } catch (error) {
        if (!isPhoenixError(error)) throw error;
        const path = toPath(linkOf(parent, key));
        throw new PhoenixError(error.code, `${where(source, path)}: ${formatPath(path)}: ${error.message}`, {
          hint: error.hint,
          cause: error,
          details: { ...error.details, file: source.file, path: formatPath(path) },
        });
      }
    }
    // Containers are copied only from their first changed value on; an unchanged subtree is returned as it is.
    if (Array.isArray(value)) {
      const link = linkOf(parent, key);
      let out: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        const changed = walk(item, link, index);
        if (out === undefined && changed !== item) out = value.slice(0, index);
        if (out !== undefined) out.push(changed);
      }
      return out ?? value;
    }
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      const link = linkOf(parent, key);
      let out: Record<string, unknown> | undefined;
      for (let index = 0; index < keys.length; index++) {
        const name = keys[index] as string;
        const item = record[name];
        const changed = walk(item, link, name);
        if (changed === item) continue;
        // A spread copies in key order and keeps a "__proto__" key a plain key; only changed values are set.
        out ??= { ...record };
        setOwn(out, name, changed);
      }
      return out ?? value;
    }
    return value;
  };
  return { data: walk(data, undefined, undefined), unset };
}
