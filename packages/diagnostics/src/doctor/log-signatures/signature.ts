import type { CatalogueEntry } from '../finding.ts';

/**
 * A repair `doctor --fix` may make for a signature: small, reversible, never deleting data, always
 * followed by starting the container again.
 * own-data-dir: chown -R the service's data volume to its user; mode-data-dir: chmod it to the
 * volume's mode; stale-pid: move postmaster.pid aside (kept as postmaster.pid.stale).
 */
export type LogFixKind = 'own-data-dir' | 'mode-data-dir' | 'stale-pid';

/** One known failure, recognised by a line of the container's log (or podman's own start error). */
export interface LogSignature extends CatalogueEntry {
  /** Tested against each log line; the latest matching line is the evidence. */
  pattern: RegExp;
  /**
   * The fix a user runs. Placeholders: {container}, {service}, {path} (host path of the service's
   * first volume), {owner} (its uid:gid), {mode}, and {1}, {2}… from the pattern's groups.
   */
  hint: string;
  /** What `--fix` applies, or null when the fix needs a decision only the user can make. */
  fix: LogFixKind | null;
}

/** A signature found in a log: the line is the evidence a user can search for. */
export interface SignatureMatch {
  signature: LogSignature;
  line: string;
  groups: string[];
}

/**
 * The latest line matching any signature; earlier signatures win on the same line (most specific first).
 * When no whole line matches, the latest run of two or three lines that matches only together: a program
 * that writes a message in pieces (initdb: `initdb: `, `error: `, the text) can reach the log as partial
 * records, which podman's remote client prints on lines of their own and a restart-looping container's
 * runs can interleave.
 */
export function matchSignature(
  lines: readonly string[],
  signatures: readonly LogSignature[],
): SignatureMatch | null {
  const find = (line: string): SignatureMatch | null => {
    for (const signature of signatures) {
      const m = signature.pattern.exec(line);
      if (m) return { signature, line: line.trim(), groups: m.slice(1).map((g) => g ?? '') };
    }
    return null;
  };
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = find(lines[i] ?? '');
    if (match) return match;
  }
  for (let i = lines.length - 1; i > 0; i--) {
    if ((lines[i] ?? '').trim() === '') continue;
    for (const span of [2, 3]) {
      if (i - span + 1 < 0) break;
      const match = find(lines.slice(i - span + 1, i + 1).join(''));
      if (match) return match;
    }
  }
  return null;
}

// Lines that say something went wrong, in PostgreSQL's, nginx's, initdb's and podman's words.
const SERIOUS = /\b(FATAL|PANIC|ERROR|error|Error|failed|\[emerg\]|\[alert\]|\[crit\])\b|denied/;

/** For an unknown failure: the last line that reads like an error, else the last line at all. */
export function lastMeaningfulLine(lines: readonly string[]): string | null {
  const text = lines.map((l) => l.trim()).filter((l) => l !== '');
  return text.findLast((l) => SERIOUS.test(l)) ?? text.at(-1) ?? null;
}

/** Fills a hint's placeholders; an unknown placeholder stays as written. */
export function fillHint(hint: string, values: Readonly<Record<string, string | undefined>>): string {
  return hint.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
