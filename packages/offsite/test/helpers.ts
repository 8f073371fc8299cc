import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh directory removed after the test file. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'offsite-test-'));
  made.push(dir);
  return dir;
}

/** A new local-path restic repository whose password is in a 0600 file; restic's cache kept beside it. */
export async function newRepo(): Promise<{ repo: string; passwordFile: string; password: string }> {
  const dir = await tempDir();
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const passwordFile = join(dir, 'password');
  await writeFile(passwordFile, password, { mode: 0o600 });
  const repo = join(dir, 'repo');
  execFileSync('restic', ['init', '--repo', repo], {
    env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile },
    stdio: 'ignore',
  });
  return { repo, passwordFile, password };
}

/** Flips one byte in the middle of the repository's largest pack file (data the snapshot needs). */
export async function flipByteInRepo(repo: string): Promise<void> {
  let largest = { path: '', size: 0 };
  for (const sub of await readdir(join(repo, 'data'))) {
    for (const name of await readdir(join(repo, 'data', sub))) {
      const path = join(repo, 'data', sub, name);
      const { size } = await stat(path);
      if (size > largest.size) largest = { path, size };
    }
  }
  // restic writes packs read-only: only root could open one for writing without this (pnpm test runs as non-root too).
  await chmod(largest.path, 0o600);
  const handle = await open(largest.path, 'r+');
  try {
    const at = Math.floor(largest.size / 3);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = (byte[0] as number) ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}
