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

/** Interpolates every string value of a parsed document (keys are left alone, as compose does); refuses NUL characters. */
export function interpolateValues(
  data: unknown,
  env: Env,
  source: YamlSource,
): { data: unknown; unset: UnsetUse[] } {
  const unset: UnsetUse[] = [];
  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') {
      if (value.includes('\0')) {
        throw new PhoenixError(
          'COMPOSE_INVALID',
          `${where(source, path)}: ${formatPath(path)}: contains a NUL character`,
          {
            hint: `remove the "\\0" from ${formatPath(path)} in ${source.file}: no name, path or argument can hold one`,
            details: { file: source.file, path: formatPath(path) },
          },
        );
      }
      try {
        const result = interpolate(value, env);
        for (const variable of result.unset) unset.push({ variable, path });
        return result.value;
      } catch (error) {
        if (!isPhoenixError(error)) throw error;
        throw new PhoenixError(error.code, `${where(source, path)}: ${formatPath(path)}: ${error.message}`, {
          hint: error.hint,
          cause: error,
          details: { ...error.details, file: source.file, path: formatPath(path) },
        });
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return value;
  };
  return { data: walk(data, []), unset };
}
