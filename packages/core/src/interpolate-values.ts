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

function toPath(link: PathLink | undefined): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at = link; at !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** Interpolates every string value of a parsed document (keys are left alone, as compose does); refuses NUL characters. */
export function interpolateValues(
  data: unknown,
  env: Env,
  source: YamlSource,
): { data: unknown; unset: UnsetUse[] } {
  const unset: UnsetUse[] = [];
  const walk = (value: unknown, link: PathLink | undefined): unknown => {
    if (typeof value === 'string') {
      if (value.includes('\0')) {
        const path = toPath(link);
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
          const path = toPath(link);
          for (const variable of result.unset) unset.push({ variable, path });
        }
        return result.value;
      } catch (error) {
        if (!isPhoenixError(error)) throw error;
        const path = toPath(link);
        throw new PhoenixError(error.code, `${where(source, path)}: ${formatPath(path)}: ${error.message}`, {
          hint: error.hint,
          cause: error,
          details: { ...error.details, file: source.file, path: formatPath(path) },
        });
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, { parent: link, key: index }));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const item = walk((value as Record<string, unknown>)[key], { parent: link, key });
        // A key "__proto__" stays a plain key, as in the parsed data (assignment would set the prototype).
        if (key === '__proto__')
          Object.defineProperty(out, key, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else out[key] = item;
      }
      return out;
    }
    return value;
  };
  return { data: walk(data, undefined), unset };
}
