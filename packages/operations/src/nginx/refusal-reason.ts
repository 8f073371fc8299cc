import type { Podman } from '@phoenix-hydra/podman-adapter';

const REFUSAL = /\[(?:emerg|alert|crit)\] .*/;

/** nginx's own words from lines: the last [emerg]/[alert]/[crit] message, without its timestamp and pid. */
export function lastRefusal(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = REFUSAL.exec(lines[i] ?? '');
    if (m) return m[0].replace(/^(\[\w+\]) \d+#\d+: /, '$1 ').trim();
  }
  return null;
}

/** The lines of `after` that were not yet logged in `before` (two tails of the same container log). */
function newLines(before: readonly string[], after: readonly string[]): string[] {
  const last = before.at(-1);
  if (last === undefined) return [...after];
  const at = after.lastIndexOf(last);
  return at === -1 ? [...after] : after.slice(at + 1);
}

/**
 * Why an nginx master refused a reload, in nginx's words: the [emerg] line it logged after `before` (the
 * log's tail taken before the reload; the official image logs to stderr), else what `nginx -t` in the
 * container says now (images that log to a file). Null when neither says.
 */
export async function refusalReason(
  podman: Podman,
  container: string,
  before: readonly string[],
): Promise<string | null> {
  const after = await podman.logs(container, { tail: 50 }).catch(() => []);
  const logged = lastRefusal(newLines(before, after));
  if (logged !== null) return logged;
  const test = await podman
    .execText(container, ['nginx', '-t'], { reject: false, timeoutMs: 30_000 })
    .catch(() => null);
  return test === null ? null : lastRefusal(`${test.stderr}\n${test.stdout}`.split('\n'));
}
