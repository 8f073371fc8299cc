import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { PhoenixError } from '@phoenix-hydra/core';
import type { IdMapping } from './id-mapping.ts';

/** One line of /etc/subuid or /etc/subgid; `owner` is a user name or a numeric uid as written. */
export interface SubidRange {
  owner: string;
  start: number;
  count: number;
}

/** Parses subuid/subgid text; blank lines, comments and malformed lines are skipped, as shadow-utils does. */
export function parseSubid(text: string): SubidRange[] {
  const ranges: SubidRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([^:]+):(\d+):(\d+)$/.exec(line);
    if (!match?.[1] || !match[2] || !match[3]) continue;
    const count = Number(match[3]);
    if (count > 0) ranges.push({ owner: match[1], start: Number(match[2]), count });
  }
  return ranges;
}

/** The ranges belonging to a user, matched by name or by uid, in file order (the order podman maps them). */
export function findSubidRanges(
  ranges: readonly SubidRange[],
  user: { name: string; uid: number },
): SubidRange[] {
  return ranges.filter((r) => r.owner === user.name || r.owner === String(user.uid));
}

/** The mapping rootless podman builds: container 0 is the user, container 1.. walk the subordinate ranges. */
export function mappingsFromSubid(ownId: number, ranges: readonly SubidRange[]): IdMapping[] {
  const mappings: IdMapping[] = [{ containerId: 0, hostId: ownId, size: 1 }];
  let next = 1;
  for (const r of ranges) {
    mappings.push({ containerId: next, hostId: r.start, size: r.count });
    next += r.count;
  }
  return mappings;
}

export interface ReadSubidOptions {
  /** Defaults to the current process user. */
  user?: { name: string; uid: number; gid: number } | undefined;
  subuidFile?: string | undefined;
  subgidFile?: string | undefined;
}

/** Uid and gid mappings of a user, read from /etc/subuid and /etc/subgid; SUBID_MISSING when a range is absent. */
export async function readSubidMappings(
  options: ReadSubidOptions = {},
): Promise<{ uidMappings: IdMapping[]; gidMappings: IdMapping[] }> {
  const info = userInfo();
  const user = options.user ?? { name: info.username, uid: info.uid, gid: info.gid };
  const [uidRanges, gidRanges] = await Promise.all([
    readRanges(options.subuidFile ?? '/etc/subuid', user),
    readRanges(options.subgidFile ?? '/etc/subgid', user),
  ]);
  return {
    uidMappings: mappingsFromSubid(user.uid, uidRanges),
    gidMappings: mappingsFromSubid(user.gid, gidRanges),
  };
}

async function readRanges(file: string, user: { name: string; uid: number }): Promise<SubidRange[]> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const ranges = findSubidRanges(parseSubid(text), user);
  if (ranges.length === 0) {
    throw new PhoenixError('SUBID_MISSING', `${file} has no subordinate id range for user ${user.name}`, {
      hint: 'sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER',
      details: { file, user: user.name, uid: user.uid },
    });
  }
  return ranges;
}
