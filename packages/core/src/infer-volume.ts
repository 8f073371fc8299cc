import { composeError } from './compose-error.ts';
import { isInside } from './is-inside.ts';
import { CONTAINER_ROOT, DEFAULT_BACKUPS, DEFAULT_MODES } from './kind-defaults.ts';
import { imageDefaults } from './known-images.ts';
import type { Owner, SelinuxLabel, VolumeKind, VolumeSpec } from './model.ts';
import { formatMode } from './model.ts';
import { parseMode } from './parse-mode.ts';
import { parseOwner } from './parse-owner.ts';
import type { ComposeMount, ComposeService } from './read-compose.ts';
import type { ComposeVolume } from './read-compose-volumes.ts';
import type { YamlSource } from './yaml-source.ts';
import { rawScalar } from './yaml-source.ts';

interface Use {
  service: ComposeService;
  mount: ComposeMount;
}

const LOG_NAME = /(^|[_.-])logs?([_.-]|$)/i;
const under = (base: string, target: string) => target === base || isInside(base, target);

/** database: PostgreSQL's data directory; config: only mounted read-only; logs: /var/log or a *log* name. */
function inferKind(name: string, uses: Use[], readOnly: boolean): VolumeKind {
  const isDatabase = uses.some(({ service, mount }) => {
    const databasePath = imageDefaults(service.image)?.databasePath;
    if (mount.target === '/var/lib/postgresql/data') return true;
    return databasePath !== undefined && !mount.readOnly && under(databasePath, mount.target);
  });
  if (isDatabase) return 'database';
  if (readOnly) return 'config';
  if (uses.some(({ mount }) => under('/var/log', mount.target)) || LOG_NAME.test(name)) return 'logs';
  return 'data';
}

/** The `user:` of a read-write mounter, else of a read-only one, else the image's default, else root. */
function inferOwner(name: string, uses: Use[], warnings: string[]): Owner {
  const ordered = [...uses.filter((use) => !use.mount.readOnly), ...uses.filter((use) => use.mount.readOnly)];
  for (const { service } of ordered) {
    const user = service.user;
    if (user === undefined) continue;
    const defaults = imageDefaults(service.image);
    if (user.uid !== undefined) {
      if (user.gid !== undefined) return { uid: user.uid, gid: user.gid };
      const gid = defaults?.owner.uid === user.uid ? defaults.owner.gid : user.uid;
      if (defaults?.owner.uid !== user.uid) {
        warnings.push(
          `volume ${name}: service ${service.name} gives no group in user:, assuming ${user.uid}:${gid}; ` +
            `write user: "${user.uid}:<gid>" or set x-phoenix.owner`,
        );
      }
      return { uid: user.uid, gid };
    }
    const known = user.userName === undefined ? undefined : defaults?.users[user.userName];
    if (known !== undefined) return { uid: known.uid, gid: user.gid ?? known.gid };
    warnings.push(
      `volume ${name}: cannot resolve user "${user.userName}" of service ${service.name} to a uid; set x-phoenix.owner`,
    );
  }
  for (const { service, mount } of ordered) {
    const defaults = imageDefaults(service.image);
    if (defaults === undefined) continue;
    return defaults.rootPaths.some((path) => under(path, mount.target))
      ? { ...CONTAINER_ROOT }
      : defaults.owner;
  }
  return { ...CONTAINER_ROOT };
}

/** The first SELinux option among the mounts; warns when mounts disagree or share a private label. */
function inferSelinux(name: string, uses: Use[], warnings: string[]): SelinuxLabel {
  const labels = uses.map(({ mount }) => mount.selinux).filter((label) => label !== 'none');
  const label = labels[0] ?? 'none';
  if (new Set(labels).size > 1) warnings.push(`volume ${name}: mounts disagree on z/Z; using ${label}`);
  const services = new Set(uses.map(({ service }) => service.name));
  if (label === 'Z' && services.size > 1) {
    warnings.push(
      `volume ${name}: :Z gives one container a private label but ${services.size} services mount it; use :z`,
    );
  }
  return label;
}

/** Applies x-phoenix and the inference rules to one volume; undefined when no service mounts it. */
export function inferVolume(
  volume: ComposeVolume,
  services: readonly ComposeService[],
  hostPath: string,
  context: { source: YamlSource; warnings: string[] },
): VolumeSpec | undefined {
  const { name, x } = volume;
  const { source, warnings } = context;
  const uses = services.flatMap((service) =>
    service.mounts.filter((mount) => mount.volume === name).map((mount) => ({ service, mount })),
  );
  const [first] = uses;
  if (first === undefined) {
    warnings.push(`volume ${name} is not mounted by any service; phoenix-volumes leaves it alone`);
    return undefined;
  }
  const readOnly = x.readOnly ?? uses.every(({ mount }) => mount.readOnly);
  const kind = x.kind ?? inferKind(name, uses, readOnly);
  const xPath = (key: string) => ['volumes', name, 'x-phoenix', key];
  const invalid = (key: string, value: string | number, expected: string, example: string) =>
    composeError(
      source,
      xPath(key),
      `volume ${name}: invalid ${key} "${rawScalar(source, xPath(key)) ?? value}", ${expected}`,
      {
        code: 'VOLUME_INVALID',
        hint: `set x-phoenix.${key}: "${example}" on volume ${name} in ${source.file}`,
        details: { volume: name, value },
      },
    );
  const mode = x.mode === undefined ? DEFAULT_MODES[kind] : parseMode(x.mode);
  if (mode === undefined && x.mode !== undefined) {
    throw invalid(
      'mode',
      x.mode,
      'expected octal permission bits 0000-0777',
      formatMode(DEFAULT_MODES[kind]),
    );
  }
  const owner = x.owner === undefined ? inferOwner(name, uses, warnings) : parseOwner(x.owner);
  if (owner === undefined && x.owner !== undefined) {
    throw invalid('owner', x.owner, 'expected "uid:gid" with ids 0-4294967294', '999:999');
  }
  return {
    name,
    kind,
    hostPath,
    containerPath: first.mount.target,
    mode: mode ?? DEFAULT_MODES[kind],
    owner: owner ?? { ...CONTAINER_ROOT },
    readOnly,
    selinux: x.selinux ?? inferSelinux(name, uses, warnings),
    services: [...new Set(uses.map(({ service }) => service.name))],
    backup: x.backup ?? DEFAULT_BACKUPS[kind],
    external: x.external ?? false,
  };
}
