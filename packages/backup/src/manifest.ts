import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/errors';
import { z } from 'zod';
import { writeFileAtomic } from './durable.ts';

export const MANIFEST_FILE = 'manifest.json';
export const VERIFIED_FILE = 'verified.json';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
/** A volume or project name: what the backup directory's file names are built from. */
export const backupNameSchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, {
  message: 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"',
});

/**
 * What a backup records about a volume besides its data, in this package's own terms: enough to recreate
 * its root (owner and mode as the container sees them) on a host that has never seen the stack. Schema 1
 * and 2 manifests stored the caller's whole volume spec; reading one keeps these four fields of it.
 */
export const volumeAboutSchema = z.object({
  /** database, config, logs, data... (the stack's word; a database's files are not archived while it runs). */
  kind: z.string(),
  containerPath: z.string().nullable().default(null),
  mode: z.number().int().min(0).max(0o7777).nullable().default(null),
  owner: z
    .object({ uid: z.number().int().min(0), gid: z.number().int().min(0) })
    .nullable()
    .default(null),
});
export type VolumeAbout = z.infer<typeof volumeAboutSchema>;

/** The four fields of a schema 1/2 `spec` (a caller's model, read loosely: its other fields may change). */
const legacySpecSchema = z
  .object({
    kind: z.string(),
    containerPath: z.string().optional(),
    mode: z.number().optional(),
    owner: z.object({ uid: z.number(), gid: z.number() }).optional(),
  })
  .loose()
  .transform(
    (s): VolumeAbout => ({
      kind: s.kind,
      containerPath: s.containerPath ?? null,
      mode: s.mode ?? null,
      owner: s.owner ?? null,
    }),
  );
const bytesSchema = z.number().int().min(0);

const manifestVolumeObject = z.object({
  name: backupNameSchema,
  about: volumeAboutSchema.nullable(),
  strategy: z.enum(['archive', 'postgres-logical']),
  /** File name inside the backup directory. */
  artifact: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*\.(tar\.zst|tar\.gz|tar|pgdump)$/),
  /** Of an archive; `none` also for every dump (pg_dump's custom format compresses itself, unless told not to). */
  compression: z.enum(['zstd', 'gzip', 'none']),
  /** Tar entries (the root `./` included); null for a database dump. */
  entries: bytesSchema.nullable(),
  /** Uncompressed bytes of regular-file content; the dump's size for a database dump. */
  bytes: bytesSchema,
  artifactBytes: bytesSchema,
  sha256: sha256Schema,
  /**
   * sha256 of the archive's entry list (see entry-list.ts): which entries the backup holds. Null for a
   * database dump, and in schema 1 manifests, written before backups failed when the tree they read
   * was removed under them (their completeness cannot be checked).
   */
  entryListSha256: sha256Schema.nullable().default(null),
  /** Sockets, fifos and device nodes found and left out (paths relative to the volume). */
  skipped: z.array(z.string()).default([]),
  /** The database and role a logical dump came from: the default target of a restore. */
  postgres: z.object({ database: z.string(), user: z.string() }).nullable().default(null),
});

/** One volume of a manifest; a schema 1/2 entry's `spec` is read as `about`. */
export const manifestVolumeSchema = z.preprocess((raw) => {
  if (raw === null || typeof raw !== 'object' || 'about' in raw) return raw;
  const { spec, ...rest } = raw as { spec?: unknown };
  const about = spec == null ? null : legacySpecSchema.safeParse(spec);
  return { ...rest, about: about === null || !about.success ? null : about.data };
}, manifestVolumeObject);
export type ManifestVolume = z.infer<typeof manifestVolumeObject>;

/** The versioned description of one backup, written last: its presence means the backup is complete. */
export const manifestSchema = z
  .object({
    /**
     * 3: each volume's `about` in this package's own schema (1 and 2 embedded the caller's volume spec);
     * 2: archive volumes record `entryListSha256`. 1 and 2 are still read.
     */
    schemaVersion: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    id: z.string(),
    createdAt: z.iso.datetime(),
    toolVersion: z.string(),
    host: z.string(),
    project: backupNameSchema,
    volumes: z.array(manifestVolumeSchema),
    taken: z.enum(['containers-stopped', 'offline', 'logical-dump', 'live-files']),
    durationSeconds: z.number().min(0),
  })
  .refine(
    (m) =>
      m.schemaVersion === 1 || m.volumes.every((v) => v.strategy !== 'archive' || v.entryListSha256 !== null),
    { message: 'schema 2 and later require entryListSha256 for every archive volume', path: ['volumes'] },
  );
export type Manifest = z.infer<typeof manifestSchema>;

/** The outcome of the last verification, kept beside the manifest so "never verified" is detectable. */
export const verificationSchema = z.object({
  verifiedAt: z.iso.datetime(),
  ok: z.boolean(),
  problems: z.array(z.string()),
  toolVersion: z.string(),
});
export type Verification = z.infer<typeof verificationSchema>;

/** Reads and validates a manifest; BACKUP_NOT_FOUND when absent, BACKUP_CORRUPT when unreadable. */
export async function readManifest(backupPath: string): Promise<Manifest> {
  const file = join(backupPath, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PhoenixError('BACKUP_NOT_FOUND', `no backup at ${backupPath} (${MANIFEST_FILE} is missing)`, {
        hint: 'list the backup directory to see which backups it holds',
        cause: error,
      });
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PhoenixError('BACKUP_CORRUPT', `${file} is not valid JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new PhoenixError(
      'BACKUP_CORRUPT',
      `${file} does not match manifest schema 1, 2 or 3: ${z.prettifyError(parsed.error)}`,
      {
        cause: parsed.error,
        details: { file },
      },
    );
  }
  return parsed.data;
}

export async function writeManifest(backupPath: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(join(backupPath, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The last recorded verification, or null when the backup was never verified (or the record is unreadable). */
export async function readVerification(backupPath: string): Promise<Verification | null> {
  try {
    const parsed = verificationSchema.safeParse(
      JSON.parse(await readFile(join(backupPath, VERIFIED_FILE), 'utf8')),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function writeVerification(backupPath: string, verification: Verification): Promise<void> {
  await writeFileAtomic(join(backupPath, VERIFIED_FILE), `${JSON.stringify(verification, null, 2)}\n`);
}
