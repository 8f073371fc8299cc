import { chmod, lstat, mkdir, open, readdir, readlink, realpath, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { PhoenixError } from '@phoenix-hydra/core';
import { copyToEnd } from '../logs/compress-file.ts';
import { describeType, openPinnedDir, type PinnedDir, UnsafeEntryError } from '../pinned-dir.ts';

/**
 * nginx configurations are text; a larger file in the volume (a container can make a sparse terabyte)
 * would be copied byte by byte, fully allocated, into staging and fill the disk.
 */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024 * 1024;

/** Where a configuration tree comes from, for messages: "the live configuration /x" or "/home/u/conf". */
export interface TreeOrigin {
  path: string;
  label: string;
}

/** USAGE naming an entry of a configuration tree that nginx deploy will not copy (also the remote helper's refusals). */
export function refusedEntry(origin: TreeOrigin, rel: string, what: string): PhoenixError {
  return new PhoenixError('USAGE', `${origin.label} has ${rel} ${what}; nginx deploy does not copy it`, {
    hint: `remove ${join(origin.path, rel)} (or replace it with the file itself) and deploy again`,
    details: { entry: join(origin.path, rel) },
  });
}

/** A link target that stays inside the tree by its text: relative, and not climbing above the tree. */
function staysInside(rel: string, target: string): boolean {
  if (isAbsolute(target)) return false;
  const resolved = normalize(join(dirname(rel), target));
  return resolved !== '..' && !resolved.startsWith('../');
}

async function copyDir(
  dir: PinnedDir,
  to: string,
  rel: string,
  origin: TreeOrigin,
  include: (name: string) => boolean,
): Promise<void> {
  for (const name of (await dir.list()).sort()) {
    if (!include(name)) continue;
    const entry = rel === '' ? name : `${rel}/${name}`;
    const dest = join(to, name);
    const st = await lstat(dir.at(name));
    if (st.isSymbolicLink()) {
      const target = await readlink(dir.at(name));
      if (!staysInside(entry, target))
        throw refusedEntry(origin, `${entry} -> ${target}`, 'that leaves the configuration directory');
      await symlink(target, dest);
    } else if (st.isDirectory()) {
      const sub = await dir.sub(name);
      try {
        await mkdir(dest);
        await chmod(dest, 0o755);
        await copyDir(sub, dest, entry, origin, () => true);
      } finally {
        await sub.close();
      }
    } else if (st.isFile()) {
      if (st.size > MAX_CONFIG_FILE_BYTES) {
        throw refusedEntry(origin, entry, `of ${st.size} bytes (a configuration file is at most 64 MiB)`);
      }
      const opened = await dir.openFile(name, { write: false, single: false }).catch((error: unknown) => {
        if (error instanceof UnsafeEntryError)
          throw refusedEntry(origin, entry, `that changed while being read (${error.message})`);
        throw error;
      });
      try {
        const out = await open(dest, 'wx', 0o644);
        try {
          await copyToEnd(opened.handle, out, { start: 0, compress: false });
          await out.chmod(0o644);
        } finally {
          await out.close();
        }
      } finally {
        await opened.handle.close();
      }
    } else {
      throw refusedEntry(origin, entry, `which is ${describeType(st)}`);
    }
  }
}

/**
 * Copies a configuration tree that a container may be changing while we read it: every directory and
 * file is opened through the descriptor of its parent (openPinnedDir) without following links, so a
 * swap cannot make us read a file outside; files become 0644 and directories 0755 copies; a symlink is
 * copied as a link only if it stays inside the tree, by its text and then resolved in the copy (a chain
 * such as `a -> .`, `b -> a/..` climbs out). FIFOs, sockets and device nodes are refused. `include`
 * picks the top-level names to copy.
 */
export async function copyConfigTree(
  origin: TreeOrigin,
  to: string,
  include: (name: string) => boolean = () => true,
): Promise<void> {
  const root = await openPinnedDir(origin.path);
  try {
    await copyDir(root, to, '', origin, include);
  } finally {
    await root.close();
  }
  await checkLinksResolveInside(to, origin);
}

async function checkLinksResolveInside(tree: string, origin: TreeOrigin): Promise<void> {
  const top = await realpath(tree);
  for (const entry of await readdir(tree, { recursive: true, withFileTypes: true })) {
    if (!entry.isSymbolicLink()) continue;
    const link = join(entry.parentPath, entry.name);
    const real = await realpath(link).catch(() => null); // dangling: its text was checked
    if (real === null) continue;
    const rel = relative(top, real);
    if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
      throw refusedEntry(
        origin,
        `${relative(tree, link)} -> ${await readlink(link)}`,
        'that leaves the configuration directory',
      );
    }
  }
}
