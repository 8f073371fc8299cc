// Shared by the off-host e2e tests (CLI and agent): every command line on the host, sampled while a
// test runs, so a test can assert that a password never appears in `ps` output.
import { readdir, readFile } from 'node:fs/promises';

/** Every command line on the host, read while `during` runs: the password must never be in one. */
export async function watchCommandLines<T>(during: () => Promise<T>): Promise<{ result: T; seen: string[] }> {
  const seen = new Set<string>();
  let running = true;
  const watching = (async () => {
    while (running) {
      for (const pid of await readdir('/proc').catch(() => [] as string[])) {
        if (!/^\d+$/.test(pid)) continue;
        const line = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (line) seen.add(line.replaceAll('\0', ' '));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await during(), seen: [...seen] };
  } finally {
    running = false;
    await watching;
  }
}
