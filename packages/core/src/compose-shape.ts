import type { ComposeFileData } from './compose-schema.ts';
import { xPhoenixStackSchema } from './compose-schema.ts';
import { backupStrategies, selinuxLabels, volumeKinds } from './model.ts';

/**
 * composeFileSchema's result without its copies (issue 16: zod's loose objects copy every service and
 * volume of a 2,000-service file): the file's own services and volumes, when every value the schema
 * checks already has the type the schema gives back (no "true" to turn into a boolean, no number into a
 * string, no `__proto__` key that a copy would turn into a prototype). Anything else returns undefined
 * and the caller runs zod, which also words every error; compose-shape.test.ts holds both equal.
 */
export function composeShape(data: unknown): ComposeFileData | undefined {
  if (!isRecord(data)) return undefined;
  const { name, services, volumes } = data;
  const x = data['x-phoenix'];
  if (name !== undefined && typeof name !== 'string') return undefined;
  if (services !== undefined && services !== null && !allValues(services, isService)) return undefined;
  if (volumes !== undefined && volumes !== null && !allValues(volumes, isVolume)) return undefined;
  // The stack's own x-phoenix is small and reaches the output (postgres), so zod gives it its key order.
  const xPhoenix = x === undefined ? undefined : xPhoenixStackSchema.safeParse(x);
  if (xPhoenix !== undefined && !xPhoenix.success) return undefined;
  const result: ComposeFileData = {};
  if (name !== undefined) result.name = name;
  if (services !== undefined) result.services = services as ComposeFileData['services'];
  if (volumes !== undefined) result.volumes = volumes as ComposeFileData['volumes'];
  if (xPhoenix !== undefined) result['x-phoenix'] = xPhoenix.data;
  return result;
}

type Mapping = Record<string, unknown>;

/** A mapping zod reads as an object and would copy key for key (an own `__proto__` would become a prototype). */
function isRecord(value: unknown): value is Mapping {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !Object.hasOwn(value, '__proto__')
  );
}

function allValues(value: unknown, check: (item: unknown) => boolean): boolean {
  if (!isRecord(value)) return false;
  // Object.values, not for...in: services and volumes of a large file are dictionary-mode objects.
  for (const item of Object.values(value)) if (!check(item)) return false;
  return true;
}

const optional = (value: unknown, type: 'string' | 'boolean') => value === undefined || typeof value === type;
const nullish = (value: unknown) => value === undefined || value === null;
const isString = (value: unknown) => typeof value === 'string';
const stringOrNumber = (value: unknown) =>
  value === undefined || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
const oneOf = (values: readonly string[], value: unknown) =>
  value === undefined || (typeof value === 'string' && values.includes(value));

/** composeServiceSchema: image and user strings (a numeric user is converted, so zod's), volumes a list. */
function isService(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { image, user, volumes } = value;
  return (
    optional(image, 'string') && optional(user, 'string') && (nullish(volumes) || Array.isArray(volumes))
  );
}

const X_VOLUME_KEYS = new Set(['kind', 'mode', 'owner', 'backup', 'selinux', 'external', 'readOnly']);

/** composeVolumeSchema, without the values it converts ("true", numeric driver options). */
function isVolume(value: unknown): boolean {
  if (value === null) return true;
  if (!isRecord(value)) return false;
  const { driver, name, external } = value;
  const options = value.driver_opts;
  const x = value['x-phoenix'];
  if (!optional(driver, 'string') || !optional(name, 'string')) return false;
  if (!nullish(options) && !allValues(options, isString)) return false;
  if (!optional(external, 'boolean') && !(isRecord(external) && optional(external.name, 'string')))
    return false;
  if (x === undefined) return true;
  if (!isRecord(x)) return false;
  for (const key of Object.keys(x)) if (!X_VOLUME_KEYS.has(key)) return false;
  return (
    oneOf(volumeKinds, x.kind) &&
    stringOrNumber(x.mode) &&
    stringOrNumber(x.owner) &&
    oneOf(backupStrategies, x.backup) &&
    oneOf(selinuxLabels, x.selinux) &&
    optional(x.external, 'boolean') &&
    optional(x.readOnly, 'boolean')
  );
}
