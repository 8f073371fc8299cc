import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Creates `<tmp>/<name>/` holding `files`, removed after the test; returns the project directory. */
export async function tempProject(files: Record<string, string>, name = 'phoenix-hydra'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'phoenix-core-'));
  created.push(root);
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

/** The original design's compose file, as recorded in test/fixtures. */
export function designCompose(): Promise<string> {
  return readFile(new URL('./fixtures/original-design.compose.yaml', import.meta.url), 'utf8');
}
