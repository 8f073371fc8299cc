import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, posix } from 'node:path';
import type { Manifest, TreeVolume } from '@phoenix-hydra/backup';
import { PhoenixError } from '@phoenix-hydra/errors';
import { z } from 'zod';
import { type RepoBackupResult, summaryOf } from './backup-to-repo.ts';
import { listRepo } from './list-repo.ts';
import { type RepoAccess, restic } from './restic.ts';
import { snapshotTags } from './tags.ts';

/** Layout 2: each archived volume's tree under `trees/<volume>/` in the snapshot. */
export const TREES_DIR = 'trees';
/** Layout 2's own record beside manifest.json: which trees the snapshot holds and what about them. */
export const DESCRIPTOR_FILE = 'offsite.json';

const aboutSchema = z.object({
  kind: z.string(),
  containerPath: z.string().nullable(),
  mode: z.number().int().nullable(),
  owner: z.object({ uid: z.number().int(), gid: z.number().int() }).nullable(),
});
export const descriptorSchema = z.object({
  layout: z.literal(2),
  trees: z.array(
    z.object({ name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/), about: aboutSchema.nullable() }),
  ),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

/**
 * The bind mounts before restic starts, in a private mount namespace (`unshare --mount`) that ends with
 * restic: `$1` pairs of source and mount point follow, then the command. A fixed script: paths only
 * ever travel as arguments.
 */
const MOUNT_SCRIPT =
  'n=$1; shift; while [ "$n" -gt 0 ]; do mount --bind "$1" "$2" || exit 125; shift 2; n=$((n - 1)); done; exec "$@"';

/** Only root (on the host, or inside `podman unshare`) may bind-mount, and only it reads every owner's files. */
export function canReadTrees(): boolean {
  return process.getuid?.() === 0;
}

export interface BackupTreesOptions {
  access: RepoAccess;
  /** The staged backup (createBackup's temp dir): manifest.json and the dumps. */
  dir: string;
  manifest: Manifest;
  trees: readonly TreeVolume[];
  host?: string | undefined;
}

/**
 * Layout 2: one restic snapshot of the staged manifest and dumps plus each volume's tree read where it
 * lies, bind-mounted at `trees/<volume>` of the staging directory inside a private mount namespace, so
 * restic runs once from the staging directory with `.`: the snapshot's paths hold no host directory.
 * Run as root or inside `podman unshare`, where restic sees owners as the containers do.
 */
export async function backupTreesToRepo(options: BackupTreesOptions): Promise<RepoBackupResult> {
  if (!canReadTrees()) {
    throw new PhoenixError('USAGE', 'reading volume trees into restic needs root or podman unshare', {
      hint: 'run phoenix-volumes as usual (it enters podman unshare itself), or as root',
    });
  }
  const descriptor: Descriptor = {
    layout: 2,
    trees: options.trees.map((t) => ({ name: t.name, about: t.about })),
  };
  await writeFile(join(options.dir, DESCRIPTOR_FILE), `${JSON.stringify(descriptor, null, 2)}\n`);
  const mounts: string[] = [];
  for (const tree of options.trees) {
    const point = join(options.dir, TREES_DIR, tree.name);
    await mkdir(point, { recursive: true, mode: 0o700 });
    mounts.push(tree.path, point);
  }
  // --quiet: no progress lines (thousands for many small files, all buffered here); the summary stays.
  const args = ['backup', '--json', '--quiet', '--host', options.host ?? hostname()];
  // Left out as archives leave them out: restic matches a pattern starting with / against the absolute
  // path it reads, here the mount point under the staging directory (glob characters escaped).
  for (const tree of options.trees)
    for (const prefix of tree.leaveOut ?? [])
      args.push('--exclude', `${globEscape(join(options.dir, TREES_DIR, tree.name, prefix))}*`);
  for (const tag of snapshotTags(
    options.manifest,
    descriptor.trees.map((t) => t.name),
  ))
    args.push('--tag', tag);
  const parent = await parentSnapshot(options.access, options.manifest.project, options.host ?? hostname());
  if (parent !== undefined) args.push('--parent', parent);
  const wrap = [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    MOUNT_SCRIPT,
    'sh',
    String(options.trees.length),
    ...mounts,
  ];
  const stdout = await restic(options.access, { args: [...args, '.'], cwd: options.dir, wrap });
  return summaryOf(stdout, options.manifest);
}

/**
 * The project's newest layout 2 snapshot from this host, for `--parent`: restic picks a parent by the
 * backed-up path, which is a new staging directory each time, so without it every file is read again
 * (the snapshot's tree itself is rooted at `.`, so the parent's files match by name). None: no parent.
 */
async function parentSnapshot(
  access: RepoAccess,
  project: string,
  host: string,
): Promise<string | undefined> {
  const backups = await listRepo(access, project).catch(() => []);
  return backups.find((b) => b.layout === 2 && b.host === host)?.snapshot;
}

/** A path as a literal in restic's patterns (Go's filepath.Match). */
function globEscape(path: string): string {
  return path.replace(/[\\*?[]/g, (c) => `\\${c}`);
}

/** One node of `restic ls --json`. */
const nodeSchema = z.object({
  struct_type: z.literal('node'),
  path: z.string(),
  type: z.string(),
  mode: z.number().optional(),
  uid: z.number().optional(),
  gid: z.number().optional(),
  size: z.number().optional(),
});
type ResticNode = z.infer<typeof nodeSchema>;

// Go's os.FileMode bits, as restic stores them.
const GO_SETUID = 1 << 23;
const GO_SETGID = 1 << 22;
const GO_STICKY = 1 << 20;

/** The unix permission and setuid/setgid/sticky bits of a restic node's Go FileMode. */
function unixMode(goMode: number): number {
  let mode = goMode & 0o777;
  if (goMode & GO_SETUID) mode |= 0o4000;
  if (goMode & GO_SETGID) mode |= 0o2000;
  if (goMode & GO_STICKY) mode |= 0o1000;
  return mode;
}

/** One entry of a tree as the snapshot records it (path relative to the volume's root, `.` for it). */
export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

/** A volume's tree in a layout 2 snapshot: what a restore writes and checks. */
export interface TreeListing {
  name: string;
  entries: TreeEntry[];
  /** Fifos and sockets: left out of a restore, as local archives leave them out. */
  skipped: string[];
  /** Why the tree must not be restored (device nodes, setuid/setgid files): the restore refuses. */
  unsafe: string[];
  bytes: number;
}

/** The tree of volume `name` in the snapshot, vetted entry by entry. */
export async function listTree(access: RepoAccess, snapshot: string, name: string): Promise<TreeListing> {
  const root = `/${TREES_DIR}/${name}`;
  const stdout = await restic(access, { args: ['ls', '--json', '--recursive', snapshot, root] });
  const listing: TreeListing = { name, entries: [], skipped: [], unsafe: [], bytes: 0 };
  for (const line of stdout.split('\n')) {
    const parsed = nodeSchema.safeParse(safeJson(line));
    if (!parsed.success) continue;
    const node: ResticNode = parsed.data;
    if (node.path !== root && !node.path.startsWith(`${root}/`)) continue;
    const path = node.path === root ? '.' : node.path.slice(root.length + 1);
    if (path.split('/').includes('..')) {
      listing.unsafe.push(`path with .. ${path}`);
      continue;
    }
    const mode = unixMode(node.mode ?? 0);
    if (node.type === 'fifo' || node.type === 'socket') {
      listing.skipped.push(path);
      continue;
    }
    if (node.type !== 'file' && node.type !== 'dir' && node.type !== 'symlink') {
      listing.unsafe.push(`${node.type} entry ${path} (only files, directories and links are restored)`);
      continue;
    }
    if (node.type !== 'dir' && (mode & 0o6000) !== 0)
      listing.unsafe.push(`setuid/setgid bits on ${path} (mode ${mode.toString(8)})`);
    const size = node.type === 'file' ? (node.size ?? 0) : 0;
    listing.bytes += size;
    listing.entries.push({
      path,
      type: node.type,
      mode,
      uid: node.uid ?? 0,
      gid: node.gid ?? 0,
      size,
    });
  }
  if (!listing.entries.some((e) => e.path === '.'))
    throw new PhoenixError('BACKUP_CORRUPT', `the snapshot holds no tree for volume ${name}`);
  return listing;
}

/**
 * Restores one tree of the snapshot so that `staging` (an empty directory, removed first) becomes the
 * volume's root: `restic restore --include` into a sibling directory (restic authenticates every blob and
 * sets owners when root), the tree renamed into place, fifos and sockets left out, then every entry
 * walked and compared with the snapshot's listing (type, mode, owner, size; nothing missing or extra).
 * Any difference is BACKUP_CORRUPT. Resolves with the entries and content bytes written.
 */
export async function stageTree(
  access: RepoAccess,
  snapshot: string,
  listing: TreeListing,
  staging: string,
): Promise<{ entries: number; bytes: number }> {
  if (listing.unsafe.length > 0) {
    throw new PhoenixError(
      'BACKUP_UNSAFE_ENTRY',
      `refusing to restore ${listing.name}: unsafe entry ${listing.unsafe.join('; ')}`,
      { hint: 'nothing was changed; restore an older backup (list the backups to choose one)' },
    );
  }
  const fetch = `${staging}.fetch`;
  await rm(fetch, { recursive: true, force: true });
  await mkdir(fetch, { mode: 0o700 });
  try {
    await restic(access, {
      args: ['restore', snapshot, '--target', fetch, '--include', `/${TREES_DIR}/${listing.name}`],
    });
    await rm(staging, { recursive: true, force: true });
    await rename(join(fetch, TREES_DIR, listing.name), staging);
  } finally {
    await rm(fetch, { recursive: true, force: true });
  }
  for (const path of listing.skipped) await rm(join(staging, path), { force: true });
  const problems = await compareTree(staging, listing);
  if (problems.length > 0) {
    throw new PhoenixError(
      'BACKUP_CORRUPT',
      `refusing to restore ${listing.name}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (${problems.length} problems)` : ''}`,
      {
        hint: 'nothing was changed; restore an older backup (list the backups to choose one)',
        details: { problems },
      },
    );
  }
  return { entries: listing.entries.length, bytes: listing.bytes };
}

/** Differences between the restored tree at `root` and the listing; owners only when root could set them. */
export async function compareTree(root: string, listing: TreeListing): Promise<string[]> {
  const owners = canReadTrees();
  const expected = new Map(listing.entries.map((e) => [e.path, e]));
  const problems: string[] = [];
  const seen = new Set<string>();
  const visit = async (path: string): Promise<void> => {
    const full = path === '.' ? root : join(root, path);
    const s = await lstat(full);
    const type = s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : s.isFile() ? 'file' : 'other';
    const want = expected.get(path);
    seen.add(path);
    if (want === undefined) problems.push(`${listing.name}: ${path} is not in the snapshot`);
    else {
      if (want.type !== type)
        problems.push(`${listing.name}: ${path} is a ${type}, the snapshot a ${want.type}`);
      if (type !== 'symlink' && (s.mode & 0o7777) !== want.mode)
        problems.push(
          `${listing.name}: ${path} has mode ${(s.mode & 0o7777).toString(8)}, the snapshot ${want.mode.toString(8)}`,
        );
      if (owners && (s.uid !== want.uid || s.gid !== want.gid))
        problems.push(
          `${listing.name}: ${path} is owned by ${s.uid}:${s.gid}, the snapshot says ${want.uid}:${want.gid}`,
        );
      if (type === 'file' && s.size !== want.size)
        problems.push(`${listing.name}: ${path} has ${s.size} bytes, the snapshot ${want.size}`);
    }
    if (type === 'dir')
      for (const name of await readdir(full)) await visit(path === '.' ? name : posix.join(path, name));
  };
  await visit('.');
  for (const path of expected.keys())
    if (!seen.has(path)) problems.push(`${listing.name}: ${path} is missing after the restore`);
  return problems;
}

/** The descriptor restored beside manifest.json. */
export async function readDescriptor(dir: string): Promise<Descriptor> {
  const parsed = descriptorSchema.safeParse(
    safeJson(await readFile(join(dir, DESCRIPTOR_FILE), 'utf8').catch(() => '')),
  );
  if (!parsed.success)
    throw new PhoenixError(
      'BACKUP_CORRUPT',
      `${DESCRIPTOR_FILE} of a layout 2 snapshot is missing or unreadable`,
    );
  return parsed.data;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
