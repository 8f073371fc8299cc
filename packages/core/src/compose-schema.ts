import { z } from 'zod';
import { backupStrategies, selinuxLabels, volumeKinds } from './model.ts';

/** Interpolation yields strings, so "true"/"false" are accepted wherever compose takes a boolean. */
const boolish = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean(),
);

/** Numbers written unquoted (`user: 999`) are read as the string compose would pass on. */
const stringish = z.preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string());

function strictShape<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')} (allowed: ${allowed})`
        : undefined,
  });
}

/** `x-phoenix` on a volume: what inference cannot know. Strict, so a typo is an error, not a silent default. */
export const xPhoenixVolumeSchema = strictShape({
  kind: z.enum(volumeKinds).optional(),
  mode: z
    .union([z.string(), z.number()], { error: 'expected an octal mode string such as "0700"' })
    .optional(),
  owner: z.union([z.string(), z.number()], { error: 'expected "uid:gid" such as "999:999"' }).optional(),
  backup: z.enum(backupStrategies).optional(),
  selinux: z.enum(selinuxLabels).optional(),
  external: boolish.optional(),
  readOnly: boolish.optional(),
});
export type XPhoenixVolume = z.infer<typeof xPhoenixVolumeSchema>;

/** Top-level `x-phoenix`: where the stack's data lives and the project name, when compose cannot say. */
export const xPhoenixStackSchema = strictShape({
  baseDir: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  /** The database's superuser and database, when the container's POSTGRES_USER/POSTGRES_DB do not say. */
  postgres: strictShape({
    user: stringish.pipe(z.string().min(1)).optional(),
    database: stringish.pipe(z.string().min(1)).optional(),
  }).optional(),
  /**
   * The default off-host (restic) repository of `backup create --offsite` and its password source:
   * a file or the name of an environment variable, never the password itself.
   */
  offsite: strictShape({
    repo: z.string().min(1),
    passwordFile: z.string().min(1).optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' })
      .optional(),
  })
    .refine((offsite) => offsite.passwordFile === undefined || offsite.passwordEnv === undefined, {
      error: 'set passwordFile or passwordEnv, not both',
    })
    .optional(),
});
export type XPhoenixStack = z.infer<typeof xPhoenixStackSchema>;

/** A top-level volume, reduced to the keys that decide where its data lives. */
export const composeVolumeSchema = z
  .looseObject({
    driver: z.string().optional(),
    driver_opts: z.record(z.string(), stringish).nullish(),
    external: z.union([boolish, z.looseObject({ name: z.string().optional() })]).optional(),
    name: z.string().optional(),
    'x-phoenix': xPhoenixVolumeSchema.optional(),
  })
  .nullable();

/** Long-syntax service mount; other compose keys are tolerated and ignored. */
export const longMountSchema = z.looseObject({
  type: z.enum(['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image']),
  source: z.string().optional(),
  target: z.string().startsWith('/', { error: 'must be an absolute path in the container' }),
  read_only: boolish.optional(),
  volume: z.looseObject({ nocopy: boolish.optional(), subpath: z.string().optional() }).nullish(),
  bind: z.looseObject({ selinux: z.enum(['z', 'Z']).optional() }).nullish(),
});
export type LongMount = z.infer<typeof longMountSchema>;

/** A service, reduced to what volume management needs; mounts are checked one by one by parse-mount. */
export const composeServiceSchema = z.looseObject({
  image: z.string().optional(),
  user: stringish.optional(),
  volumes: z.array(z.unknown()).nullish(),
});

/** The parts of a compose file this tool reads; everything else is compose's business. */
export const composeFileSchema = z.looseObject(
  {
    name: z.string().optional(),
    services: z.record(z.string(), composeServiceSchema).nullish(),
    volumes: z.record(z.string(), composeVolumeSchema).nullish(),
    'x-phoenix': xPhoenixStackSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a mapping at the top level' : undefined) },
);
export type ComposeFileData = z.infer<typeof composeFileSchema>;
