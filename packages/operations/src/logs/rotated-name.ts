import { posix } from 'node:path';

/** A rotated copy of a log file: `<base>.<YYYYMMDD-HHMMSS>[-<n>][.zst]`. */
export interface RotatedName {
  base: string;
  stamp: string;
  seq: number;
  compressed: boolean;
}

const ROTATED = /^(.+)\.(\d{8}-\d{6})(?:-(\d+))?(\.zst)?$/;
/** A copy still being written: a crash leaves it incomplete, and the log it came from untouched. */
export const PARTIAL_SUFFIX = '.phoenix-partial';
/** A complete copy whose log may already be truncated: a crash leaves the only copy of the data here. */
export const COPIED_SUFFIX = '.phoenix-copied';

/** UTC time as a sortable stamp: 2026-11-25T20:15:30Z → 20261125-201530. */
export function rotationStamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** The parts of a rotated file's name, or null for a live log. */
export function parseRotatedName(name: string): RotatedName | null {
  const match = ROTATED.exec(name);
  if (!match?.[1] || !match[2]) return null;
  return { base: match[1], stamp: match[2], seq: Number(match[3] ?? 0), compressed: match[4] !== undefined };
}

/** `<base>.<stamp>[-<seq>]` without the compression suffix. */
export function rotatedName(base: string, stamp: string, seq: number): string {
  return `${base}.${stamp}${seq > 0 ? `-${seq}` : ''}`;
}

/** Newest first: by stamp, then by sequence number. */
export function compareRotated(a: RotatedName, b: RotatedName): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? 1 : -1;
  return b.seq - a.seq;
}

/** Names that are never rotated: rotated copies, our temporary files, other archives, dotfiles. */
export function isLiveLogName(name: string): boolean {
  return (
    !name.startsWith('.') &&
    !name.endsWith(PARTIAL_SUFFIX) &&
    !name.endsWith(COPIED_SUFFIX) &&
    parseRotatedName(name) === null &&
    !/\.(zst|gz|xz|bz2|lz4|zip)$/.test(name)
  );
}

/**
 * The first `<base>.<stamp>[-<seq>]` that `taken` holds neither as it is, compressed, nor as a complete
 * copy awaiting its name; added to `taken`. `base` may carry its directory (`logs/access.log`).
 */
export function freeRotatedName(base: string, stamp: string, taken: Set<string>): string {
  for (let seq = 0; ; seq++) {
    const name = rotatedName(base, stamp, seq);
    if (![name, `${name}.zst`, `${name}${COPIED_SUFFIX}`].some((n) => taken.has(n))) {
      taken.add(name);
      return name;
    }
  }
}

/** The rotated copies among `paths` beyond the newest `keep` of each log (per directory and base name). */
export function copiesBeyondKeep(paths: Iterable<string>, keep: number): string[] {
  const groups = new Map<string, { path: string; parsed: RotatedName }[]>();
  for (const path of paths) {
    const parsed = parseRotatedName(posix.basename(path));
    if (parsed === null) continue;
    const key = posix.join(posix.dirname(path), parsed.base);
    groups.set(key, [...(groups.get(key) ?? []), { path, parsed }]);
  }
  return [...groups.values()].flatMap((group) =>
    group
      .sort((a, b) => compareRotated(a.parsed, b.parsed))
      .slice(Math.max(0, keep))
      .map((copy) => copy.path),
  );
}
