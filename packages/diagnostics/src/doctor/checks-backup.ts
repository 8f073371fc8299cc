import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  isBackupId,
  isProcessAlive,
  LOCK_FILE,
  type Manifest,
  readManifest,
  readVerification,
  type Verification,
} from '@phoenix-hydra/backup';
import { z } from 'zod';
import type { DoctorContext } from './context.ts';
import { type Finding, finding } from './finding.ts';
import type { DoctorCheck } from './run-doctor.ts';

/** The lock file's content as packages/backup/src/lock.ts writes it. */
const holderSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  operation: z.string(),
  startedAt: z.string(),
});

/** Where operations take their lock: the project's lock directory (backup, restore, cleanup) and the backup directory (prune). */
export function lockPaths(ctx: DoctorContext): string[] {
  const dirs = [ctx.settings.lockDir(ctx.stack.project), ctx.settings.backupDir];
  return [...new Set(dirs)].map((dir) => join(dir, LOCK_FILE));
}

async function readLock(path: string) {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  const parsed = (() => {
    try {
      return holderSchema.safeParse(JSON.parse(text));
    } catch {
      return null;
    }
  })();
  return { text, holder: parsed?.success ? parsed.data : null };
}

const staleLock: DoctorCheck = {
  id: 'PHX-LOCK-001',
  title: 'a stale lock file is left behind',
  severity: 'warning',
  why: 'a lock whose process died blocks the next backup, restore or prune until someone looks at it',
  async run(ctx) {
    const found = await Promise.all(
      lockPaths(ctx).map(async (path): Promise<Finding[]> => {
        const lock = await readLock(path);
        if (lock === null) return [];
        const { holder } = lock;
        if (holder === null) {
          const age = Date.now() - (await stat(path)).mtimeMs;
          if (age < 10_000) return []; // being written right now
          return [
            finding(this, {
              message: `${path} cannot be read as a lock (${JSON.stringify(lock.text.slice(0, 80))})`,
              evidence: { path, content: lock.text.slice(0, 200) },
              hint: `rm ${path}   # after making sure no phoenix-volumes runs`,
            }),
          ];
        }
        const evidence = { path, ...holder, thisHost: hostname() };
        if (holder.host !== hostname()) {
          return [
            finding(this, {
              severity: 'info',
              message: `${path} is held by pid ${holder.pid} on host ${holder.host} (${holder.operation} since ${holder.startedAt}); doctor cannot tell whether it still runs`,
              evidence,
              hint: `if nothing runs on ${holder.host} any more: rm ${path}`,
            }),
          ];
        }
        if (isProcessAlive(holder.pid)) return [];
        return [
          finding(this, {
            message: `${path}: ${holder.operation} (pid ${holder.pid}, started ${holder.startedAt}) is no longer running`,
            evidence,
            hint: `rm ${path}`,
            fix: {
              describe: `remove ${path} (pid ${holder.pid} is dead)`,
              async apply() {
                const again = await readLock(path);
                if (again?.text === lock.text) await unlink(path);
              },
            },
          }),
        ];
      }),
    );
    return found.flat();
  },
};

/** The project's complete backups in the backup directory, newest first; read only, nothing is cleaned. */
async function projectBackups(
  ctx: DoctorContext,
): Promise<{ manifest: Manifest; verification: Verification | null }[]> {
  const dir = ctx.settings.backupDir;
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const backups = await Promise.all(
    names.filter(isBackupId).map(async (id) => {
      const manifest = await readManifest(join(dir, id)).catch(() => null);
      return manifest ? { manifest, verification: await readVerification(join(dir, id)) } : null;
    }),
  );
  return backups
    .filter((b) => b !== null && b.manifest.project === ctx.stack.project)
    .flatMap((b) => (b ? [b] : []))
    .sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt));
}

function hours(ms: number): string {
  return ms >= 48 * 3600e3 ? `${Math.round(ms / 86400e3)} days` : `${Math.round(ms / 3600e3)} h`;
}

const backupOld: DoctorCheck = {
  id: 'PHX-BACKUP-001',
  title: 'no recent backup',
  severity: 'warning',
  why: 'everything written since the newest backup is lost if the disk or a restore goes wrong',
  async run(ctx) {
    const [newest] = await projectBackups(ctx);
    const dir = ctx.settings.backupDir;
    if (!newest) {
      return [
        finding(this, {
          severity: 'info',
          message: `no backup of ${ctx.stack.project} in ${dir} yet`,
          evidence: { backupDir: dir },
          hint: 'phoenix-volumes backup create',
        }),
      ];
    }
    const age = ctx.settings.now().getTime() - Date.parse(newest.manifest.createdAt);
    if (age <= ctx.settings.backupMaxAgeMs) return [];
    return [
      finding(this, {
        message: `the newest backup (${newest.manifest.id}) is ${hours(age)} old; the policy is ${hours(ctx.settings.backupMaxAgeMs)}`,
        evidence: {
          backupDir: dir,
          id: newest.manifest.id,
          createdAt: newest.manifest.createdAt,
          maxAgeMs: ctx.settings.backupMaxAgeMs,
        },
        hint: 'phoenix-volumes backup create',
      }),
    ];
  },
};

const backupUnverified: DoctorCheck = {
  id: 'PHX-BACKUP-002',
  title: 'the newest backup was never verified, or failed verification',
  severity: 'warning',
  why: 'an unverified backup may not restore; a failed one will not',
  async run(ctx) {
    const [newest] = await projectBackups(ctx);
    if (!newest) return [];
    const { id } = newest.manifest;
    const evidence = { backupDir: ctx.settings.backupDir, id, verification: newest.verification };
    if (newest.verification === null) {
      return [
        finding(this, {
          message: `backup ${id} was never verified`,
          evidence,
          hint: `phoenix-volumes backup verify ${id}`,
        }),
      ];
    }
    if (newest.verification.ok) return [];
    return [
      finding(this, {
        severity: 'error',
        message: `backup ${id} failed verification on ${newest.verification.verifiedAt}: ${newest.verification.problems[0] ?? 'see verified.json'}`,
        evidence,
        hint: 'phoenix-volumes backup create   # then verify the new one',
      }),
    ];
  },
};

/** Lock files and backups: what stops the next operation, and what would be lost. */
export const backupChecks: readonly DoctorCheck[] = [staleLock, backupOld, backupUnverified];
