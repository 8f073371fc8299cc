import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest, RetentionPolicy } from '@phoenix-hydra/backup';
import { isPhoenixError, PhoenixError, resolveStack } from '@phoenix-hydra/core';
import {
  backupToRepo,
  backupTreesToRepo,
  canReadTrees,
  fetchFromRepo,
  listRepo,
  pruneRepo,
  resticVersion,
  shownRepo,
  verifyRepo,
} from '@phoenix-hydra/offsite';
import { type BackupDirOptions, backupDirOf, projectScope } from '../backup-dir.ts';
import type { CommandIO } from '../context.ts';
import { raiseEvent } from '../event-log.ts';
import { formatBytes } from '../format-bytes.ts';
import { type RepoOptions, repoAccess } from '../repo-options.ts';
import { type StackOptions, stackRequest } from '../stack-options.ts';
import type { BackupCreateOptions } from './backup-create.ts';
import type { RestoreCommandOptions } from './restore.ts';

type RepoCommand = RepoOptions & { repo: string } & BackupDirOptions & StackOptions & CommandIO;

const lineTo =
  (stream: NodeJS.WritableStream | undefined) =>
  (line: string): void => {
    (stream ?? process.stdout).write(`${line}\n`);
  };

/** A private working directory beside the backup directory (same disk, never a RAM-backed /tmp). */
async function workDir(options: BackupDirOptions): Promise<string> {
  const base = backupDirOf(options);
  await mkdir(base, { recursive: true, mode: 0o700 });
  return mkdtemp(join(base, '.offsite-'));
}

/**
 * `backup create --repo`: the usual backup (same locks, pg_dump, --stop) with the dumps written
 * uncompressed to a private staging directory and, inside podman unshare (or as root), the archived
 * volumes read by restic where they lie (layout 2, bind-mounted under `trees/`) while the containers
 * are still stopped: one restic snapshot, then the staging copy removed. Elsewhere (no namespace) the
 * volumes are staged as plain tar (layout 1). Records offsite.done or offsite.failed in the event log
 * (the agent forwards them to hooks, as its own job's).
 */
export async function backupCreateToRepo(options: BackupCreateOptions & RepoCommand): Promise<void> {
  const started = performance.now();
  const repository = shownRepo(options.repo);
  let manifest: Manifest | undefined;
  let result: Awaited<ReturnType<typeof backupToRepo>> | undefined;
  const treeNames: string[] = [];
  /** Known once the dumps are staged: a failed restic run inside backup create still names it. */
  let stagedId: string | undefined;
  try {
    await resticVersion();
    const staging = await workDir(options);
    try {
      const { backupCreateCommand } = await import('./backup-create.ts');
      const { to: _to, ...rest } = options;
      const access = repoAccess(options);
      manifest = await backupCreateCommand({
        ...rest,
        backupDir: staging,
        location: repository,
        compression: 'none',
        json: true,
        stdout: devNull(),
        ...(canReadTrees()
          ? {
              trees: async (dir, staged, trees) => {
                stagedId = staged.id;
                treeNames.push(...trees.map((t) => t.name));
                result = await backupTreesToRepo({ access, dir, manifest: staged, trees });
              },
            }
          : {}),
      });
      result ??= await backupToRepo({ access, backupDir: staging, id: manifest.id });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } catch (error) {
    const project = manifest?.project ?? (await quietProject(options));
    const backupId = manifest?.id ?? stagedId;
    if (project !== undefined)
      await raiseEvent({
        type: 'offsite.failed',
        project,
        ...(backupId === undefined ? {} : { backupId }),
        repository,
        error: {
          code: isPhoenixError(error) ? error.code : 'INTERNAL',
          message: error instanceof Error ? error.message : String(error),
        },
      });
    throw error;
  }
  await raiseEvent({
    type: 'offsite.done',
    project: manifest.project,
    backupId: manifest.id,
    repository,
    snapshot: result.snapshot,
    bytesAdded: result.bytesAdded,
    bytesProcessed: result.bytesProcessed,
    durationSeconds: (performance.now() - started) / 1000,
  });
  const out = lineTo(options.stdout);
  if (options.json) {
    out(
      JSON.stringify(
        { repo: repository, ...result, layout: treeNames.length > 0 ? 2 : 1, trees: treeNames, manifest },
        null,
        2,
      ),
    );
    return;
  }
  out(
    `Backup ${manifest.id} of ${manifest.project} stored in ${repository} as snapshot ${result.snapshot} (${manifest.taken}):`,
  );
  for (const v of manifest.volumes)
    out(`  ${v.name.padEnd(14)} ${v.artifact.padEnd(24)} ${formatBytes(v.artifactBytes).padStart(9)}`);
  for (const name of treeNames) out(`  ${name.padEnd(14)} trees/${name}/ (read by restic)`);
  out(
    `Read ${formatBytes(result.bytesProcessed)}${result.filesUnchanged > 0 ? ` (${result.filesUnchanged} files unchanged since the last snapshot, not read again)` : ''}, added ${formatBytes(result.bytesAdded)} to the repository in ${result.durationSeconds.toFixed(1)} s.`,
  );
}

/** The stack's project for an offsite.failed raised before the backup named it; undefined when unresolvable. */
async function quietProject(options: StackOptions & CommandIO): Promise<string | undefined> {
  try {
    const { stack } = await resolveStack(stackRequest(options, options.cwd ?? process.cwd()));
    return stack.project;
  } catch {
    return undefined;
  }
}

function devNull(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}

/** `backup ls --repo`: the project's snapshots (every project's with --all-projects), newest first. */
export async function backupLsRepo(
  options: RepoCommand & { json?: boolean; allProjects?: boolean },
): Promise<void> {
  const out = lineTo(options.stdout);
  const project = await projectScope(options);
  const backups = await listRepo(repoAccess(options), project);
  if (options.json) {
    out(JSON.stringify(backups, null, 2));
    return;
  }
  if (backups.length === 0) {
    out(`No backups in ${shownRepo(options.repo)}.`);
    return;
  }
  out(
    `${'ID'.padEnd(24)} ${'SNAPSHOT'.padEnd(9)} ${'PROJECT'.padEnd(16)} ${'HOST'.padEnd(16)} TAKEN / VOLUMES`,
  );
  for (const b of backups)
    out(
      `${b.id.padEnd(24)} ${b.shortId.padEnd(9)} ${b.project.padEnd(16)} ${b.host.padEnd(16)} ${b.taken}: ${b.volumes.join(', ')}`,
    );
}

/** `backup verify --repo [ID|--all]`: restic check, then every entry walked; exit 1 when damaged. */
export async function backupVerifyRepo(
  options: RepoCommand & {
    id?: string;
    all?: boolean;
    json?: boolean;
    readData?: boolean;
    allProjects?: boolean;
  },
): Promise<number> {
  const out = lineTo(options.stdout);
  await resticVersion();
  const project = await projectScope(options);
  const dir = await workDir(options);
  try {
    const ref = options.all ? undefined : (options.id ?? 'latest');
    const report = await verifyRepo(repoAccess(options), {
      workDir: dir,
      ref,
      project,
      readData: options.readData,
    });
    const ok = report.check.ok && report.results.every((r) => r.ok);
    if (options.json) out(JSON.stringify({ repo: shownRepo(options.repo), ok, ...report }, null, 2));
    else {
      out(report.check.ok ? 'restic check: ok' : `restic check: FAILED: ${report.check.problem}`);
      for (const r of report.results) {
        out(`${r.id} (${r.snapshot}): ${r.ok ? 'ok' : 'DAMAGED'}`);
        for (const p of r.problems) out(`  ${p}`);
      }
    }
    return ok ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `backup prune --repo --keep-*`: restic forget over the project's snapshots, then restic prune. */
export async function backupPruneRepo(
  options: RepoCommand &
    Partial<RetentionPolicy> & { dryRun?: boolean; json?: boolean; allProjects?: boolean },
): Promise<void> {
  const out = lineTo(options.stdout);
  const project = await projectScope({ ...options, allProjects: false });
  if (project === undefined) throw new PhoenixError('USAGE', 'backup prune --repo works on one project');
  const policy = Object.fromEntries(
    Object.entries(options).filter(([key, value]) => key.startsWith('keep') && value !== undefined),
  ) as Partial<RetentionPolicy>;
  const plan = await pruneRepo(repoAccess(options), { project, policy, dryRun: options.dryRun });
  if (options.json) {
    const dryRun = Boolean(options.dryRun);
    out(JSON.stringify({ repo: shownRepo(options.repo), project, dryRun, ...plan }, null, 2));
    return;
  }
  for (const k of plan.keep) out(`keep    ${k.id}  (${k.reasons.join(', ')})`);
  for (const r of plan.remove) out(`${options.dryRun ? 'would remove' : 'removed'} ${r.id}`);
  out(
    `${plan.keep.length} kept, ${plan.remove.length} ${options.dryRun ? 'would be removed (dry run)' : 'removed'}.`,
  );
}

/**
 * `restore ID --repo`: the backup fetched from the repository into a private directory (restic
 * authenticates every blob), then the local restore path: manifest checks, staging, verify, swap. A
 * layout 2 tree is restored by restic straight into the volume's staging directory, then walked entry
 * by entry against the snapshot (owners, modes, sizes; unsafe entries refused) before the swap.
 */
export async function restoreFromRepo(options: RestoreCommandOptions & RepoCommand): Promise<void> {
  await resticVersion();
  const dir = await workDir(options);
  try {
    const fetched = await fetchFromRepo(repoAccess(options), options.id, { workDir: dir });
    await fetched.withTrees();
    const { restoreCommand } = await import('./restore.ts');
    const { from: _from, to: _to, ...rest } = options;
    await restoreCommand({
      ...rest,
      id: fetched.backup.id,
      backupDir: fetched.backupDir,
      stageArchive: (volume) => fetched.stage(volume),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
