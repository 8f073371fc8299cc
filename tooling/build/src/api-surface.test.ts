// tooling/api-surface.ts, which `pnpm lint` runs: an export nobody outside its package imports fails the
// lint unless the package README's "## API" section documents it.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOOL = join(import.meta.dirname, '..', '..', 'api-surface.ts');
let root = '';

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
}

async function surface(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [TOOL, '--root', root]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'phx-api-surface-'));
  await put('packages/core/package.json', JSON.stringify({ exports: { '.': './src/index.ts' } }));
  await put('packages/core/src/index.ts', "export * from './model.ts';\n");
  await put(
    'packages/core/src/model.ts',
    'export const used = 1;\nexport const helper = 2;\nexport interface StackOptions { cwd: string }\n',
  );
  await put('apps/cli/src/main.ts', "import { used } from '@phoenix-hydra/core';\nconsole.log(used);\n");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('api-surface', () => {
  it('fails on an export that is neither imported from outside nor documented, naming it', async () => {
    await put(
      'packages/core/README.md',
      '# core\n\n## API\n\n`used`, `StackOptions`\n\n## Other\n\n`helper`\n',
    );
    const { code, stdout, stderr } = await surface();
    expect(stdout).toContain('core: 3 exported, 1 used outside, 1 more documented');
    expect(code).toBe(1);
    expect(stderr).toContain('@phoenix-hydra/core helper');
    expect(stderr).not.toContain('StackOptions');
  }, 60_000);

  it('passes once the README documents it as API', async () => {
    await put('packages/core/README.md', '# core\n\n## API\n\n`used`, `StackOptions`, `helper(x)`\n');
    const { code, stdout } = await surface();
    expect(stdout).toContain('core: 3 exported, 1 used outside, 2 more documented');
    expect(code).toBe(0);
  }, 60_000);
});
