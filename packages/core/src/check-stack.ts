import type { Stack } from './model.ts';
import { backupStrategies, MAX_ID, NAME_PATTERN, selinuxLabels, volumeKinds } from './model.ts';

// stackSchema's rules written out, for the check resolveStack makes on every stack it returns (issue 16:
// zod's copy of 2,000 services and volumes costs more than the rest of the check). True only when
// stackSchema accepts the stack; on false the caller asks zod, which words the problem.

const isName = (value: unknown) => typeof value === 'string' && NAME_PATTERN.test(value);
const isAbsolute = (value: unknown) => typeof value === 'string' && value.startsWith('/');
const isFilled = (value: unknown) => typeof value === 'string' && value.length > 0;
const isId = (value: unknown) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_ID;
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const oneOf = (values: readonly string[], value: unknown) =>
  typeof value === 'string' && values.includes(value);
const optional = (value: unknown, check: (value: unknown) => boolean) => value === undefined || check(value);

function isMount(mount: unknown): boolean {
  return (
    isObject(mount) &&
    isName(mount.volume) &&
    typeof mount.target === 'string' &&
    typeof mount.readOnly === 'boolean' &&
    oneOf(selinuxLabels, mount.selinux)
  );
}

function isService(service: unknown): boolean {
  if (!isObject(service) || !isName(service.name) || !optional(service.image, (v) => typeof v === 'string'))
    return false;
  const { user, mounts } = service;
  if (user !== undefined && !(isObject(user) && isId(user.uid) && optional(user.gid, isId))) return false;
  if (!optional(service.userName, (v) => typeof v === 'string' && v !== '')) return false;
  return Array.isArray(mounts) && mounts.every(isMount);
}

function isVolume(volume: unknown): boolean {
  if (!isObject(volume)) return false;
  const { owner, mode, services } = volume;
  return (
    isName(volume.name) &&
    oneOf(volumeKinds, volume.kind) &&
    isAbsolute(volume.hostPath) &&
    isAbsolute(volume.containerPath) &&
    typeof mode === 'number' &&
    Number.isInteger(mode) &&
    mode >= 0 &&
    mode <= 0o777 &&
    isObject(owner) &&
    isId(owner.uid) &&
    isId(owner.gid) &&
    typeof volume.readOnly === 'boolean' &&
    oneOf(selinuxLabels, volume.selinux) &&
    Array.isArray(services) &&
    services.every(isName) &&
    oneOf(backupStrategies, volume.backup) &&
    typeof volume.external === 'boolean'
  );
}

/** Whether stackSchema accepts `stack`, decided without zod; false also when unsure. */
export function isValidStack(stack: Stack): boolean {
  const value: unknown = stack;
  if (!isObject(value)) return false;
  const { postgres, offsite } = value;
  return (
    isName(value.project) &&
    isAbsolute(value.baseDir) &&
    (value.composeFile === null || typeof value.composeFile === 'string') &&
    Array.isArray(value.services) &&
    value.services.every(isService) &&
    Array.isArray(value.volumes) &&
    value.volumes.every(isVolume) &&
    (postgres === undefined ||
      (isObject(postgres) && optional(postgres.user, isFilled) && optional(postgres.database, isFilled))) &&
    (offsite === undefined ||
      (isObject(offsite) &&
        isFilled(offsite.repo) &&
        optional(offsite.passwordFile, isAbsolute) &&
        optional(offsite.passwordEnv, isFilled)))
  );
}
