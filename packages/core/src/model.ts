import { z } from 'zod';

/** Compose's rule for volume, service and project names. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const nameSchema = z.string().regex(NAME_PATTERN, {
  message: 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"',
});

export const volumeKinds = ['database', 'config', 'logs', 'data'] as const;
export type VolumeKind = (typeof volumeKinds)[number];

export const selinuxLabels = ['Z', 'z', 'none'] as const;
export type SelinuxLabel = (typeof selinuxLabels)[number];

export const backupStrategies = ['archive', 'postgres-logical', 'none'] as const;
export type BackupStrategy = (typeof backupStrategies)[number];

/** The largest uid or gid podman accepts (2^32 - 2; 2^32 - 1 is the kernel's "no id"). */
export const MAX_ID = 4_294_967_294;

/** A uid or gid as the container sees it; the range podman accepts. */
export const idSchema = z.number().int().min(0).max(MAX_ID);

/** Owner inside the container (the uid/gid the service runs as), not the host's view. */
export const ownerSchema = z.object({ uid: idSchema, gid: idSchema });
export type Owner = z.infer<typeof ownerSchema>;

/** Permission bits only: 0o000..0o777. */
export const modeSchema = z.number().int().min(0).max(0o777);

/** One volume of the stack, fully resolved: everything setup, check and backup need. */
export const volumeSpecSchema = z.object({
  name: nameSchema,
  kind: z.enum(volumeKinds),
  hostPath: z.string().startsWith('/'),
  containerPath: z.string().startsWith('/'),
  mode: modeSchema,
  owner: ownerSchema,
  readOnly: z.boolean(),
  selinux: z.enum(selinuxLabels),
  services: z.array(nameSchema),
  backup: z.enum(backupStrategies),
  /** True when the host path may live outside the base directory (x-phoenix `external: true`). */
  external: z.boolean(),
});
export type VolumeSpec = z.infer<typeof volumeSpecSchema>;

/** A service of the compose file, reduced to what volume management needs. */
export const serviceSpecSchema = z.object({
  name: nameSchema,
  image: z.string().optional(),
  /** `user:` of the service, parsed; undefined when the image decides. */
  user: ownerSchema.partial({ gid: true }).optional(),
  /** `user:` given by name (`nginx`, `app:staff`): the image's /etc/passwd decides its uid, which is not root unless the name is. */
  userName: z.string().min(1).optional(),
  mounts: z.array(
    z.object({
      volume: nameSchema,
      target: z.string(),
      readOnly: z.boolean(),
      selinux: z.enum(selinuxLabels),
    }),
  ),
});
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;

/** The whole stack the tool manages: one compose project and its volumes. */
export const stackSchema = z.object({
  project: nameSchema,
  baseDir: z.string().startsWith('/'),
  /** Absolute path of the compose file read, or null for the embedded default stack. */
  composeFile: z.string().nullable(),
  services: z.array(serviceSpecSchema),
  volumes: z.array(volumeSpecSchema),
  /** The database's superuser and database as the compose file's `x-phoenix.postgres` names them. */
  postgres: z
    .object({ user: z.string().min(1).optional(), database: z.string().min(1).optional() })
    .optional(),
  /** The compose file's `x-phoenix.offsite`: the default restic repository (paths absolute) and its password source. */
  offsite: z
    .object({
      repo: z.string().min(1),
      passwordFile: z.string().startsWith('/').optional(),
      passwordEnv: z.string().min(1).optional(),
    })
    .optional(),
});
export type Stack = z.infer<typeof stackSchema>;

/** The Podman named volume compose creates for a stack volume: `<project>_<volume>`. */
export function podmanVolumeName(stack: Pick<Stack, 'project'>, volume: Pick<VolumeSpec, 'name'>): string {
  return `${stack.project}_${volume.name}`;
}

/** A mode as users and chmod write it: 448 → "0700". */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** An owner as podman and chown write it: "999:999". */
export function formatOwner(owner: Owner): string {
  return `${owner.uid}:${owner.gid}`;
}
