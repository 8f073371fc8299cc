import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nameSchema, PhoenixError, volumeSpecSchema } from '@phoenix-hydra/core';
import { z } from 'zod';
import { writeFileAtomic } from './durable.ts';

export const MANIFEST_FILE = 'manifest.json';
export const VERIFIED_FILE = 'verified.json';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
const bytesSchema = z.number().int().min(0);

export const manifestVolumeSchema = z.object({
  name: nameSchema,
  spec: volumeSpecSchema.nullable(),
  strategy: z.enum(['archive', 'postgres-logical']),
  /** File name inside the backup directory. */
  artifact: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*\.(tar\.zst|tar\.gz|pgdump)$/),
  /** `none` for pg_dump's custom format, which compresses itself. */
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
export type ManifestVolume = z.infer<typeof manifestVolumeSchema>;

/** The versioned description of one backup, written last: its presence means the backup is complete. */
export const manifestSchema = z
  .object({
    /** 2: archive volumes record `entryListSha256`. 1 is still read. */
    schemaVersion: z.union([z.literal(1), z.literal(2)]),
    id: z.string(),
    createdAt: z.iso.datetime(),
    toolVersion: z.string(),
    host: z.string(),
    project: nameSchema,
    volumes: z.array(manifestVolumeSchema),
    taken: z.enum(['containers-stopped', 'offline', 'logical-dump', 'live-files']),
    durationSeconds: z.number().min(0),
  })
  .refine(
    (m) =>
      m.schemaVersion === 1 || m.volumes.every((v) => v.strategy !== 'archive' || v.entryListSha256 !== null),
    { message: 'schema 2 requires entryListSha256 for every archive volume', path: ['volumes'] },
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
        hint: 'list the backups with `phoenix-volumes backup ls`',
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
      `${file} does not match manifest schema 1 or 2: ${z.prettifyError(parsed.error)}`,
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
