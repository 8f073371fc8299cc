import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global set-up for unit tests: every test (and every process it starts) writes its
 * temporary files into one directory of this run, removed at the end, so `pnpm test` leaves
 * nothing in the machine's temporary directory. Teardown then fails the run if the machine's
 * temporary directory gained an entry of ours anyway (a test that bypassed TMPDIR).
 */
const OURS = /^(phx|phoenix|dx|pa|offsite|ops)-/;
/** Other packages' runs (turbo runs them side by side) and the e2e suite's own directories. */
const NOT_LEAKS = /^phoenix-(unit-run|e2e)-/;

export function setup(): () => void {
  return isolateTmpDir('phoenix-unit-run-', 'unit tests', (dir) => {
    makeWritable(dir);
    rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Points TMPDIR (os.tmpdir() of the tests and of every process they start) at a new directory
 * `<tmp>/<prefix>XXXXXX`; the returned teardown removes it with `remove` and fails if `<tmp>` gained
 * an entry of ours owned by this user meanwhile.
 */
export function isolateTmpDir(prefix: string, what: string, remove: (dir: string) => void): () => void {
  const outer = tmpdir();
  const before = new Set(readdirSync(outer));
  const dir = mkdtempSync(join(outer, prefix));
  before.add(dir.slice(outer.length + 1));
  process.env.TMPDIR = dir;
  return () => {
    process.env.TMPDIR = outer;
    remove(dir);
    // Only this user's entries: an e2e run beside this one (as the test user) makes its own.
    const uid = process.getuid?.();
    const leaked = readdirSync(outer).filter(
      (name) =>
        OURS.test(name) &&
        !NOT_LEAKS.test(name) &&
        !before.has(name) &&
        (uid === undefined || lstatSync(join(outer, name), { throwIfNoEntry: false })?.uid === uid),
    );
    if (leaked.length > 0) {
      throw new Error(
        `${what} left ${leaked.length} entr${leaked.length === 1 ? 'y' : 'ies'} in ${outer} (${leaked.slice(0, 5).join(', ')}): create temporary files under os.tmpdir(), which points into this run's directory`,
      );
    }
  };
}

/** Tests make read-only directories on purpose; give the owner write access back so removal works as non-root. */
export function makeWritable(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return;
  try {
    chmodSync(path, (st.mode & 0o7777) | 0o700);
  } catch {
    // not ours (a test chowned it as root); rmSync as root removes it anyway
  }
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return; // not ours to read (a container's uid in the e2e suite): the caller removes it otherwise
  }
  for (const name of names) makeWritable(join(path, name));
}
