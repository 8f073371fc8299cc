import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, designCompose } from '@phoenix-hydra/e2e/cli-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutant, seeded } from '../../../tooling/fuzz/mutate.ts';

// The in-process fuzz tests (packages/core, apps/agent) try thousands of inputs; this spawns the real
// CLI for a small sample, to check what users see: exit 0 or 2, no stack trace, one error line.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phx-malformed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configOf(file: string) {
  const started = performance.now();
  const result = await cli(['config', '-f', file], { cwd: dir, env: { HOME: '/home/ana' } });
  return { ...result, ms: performance.now() - started };
}

function expectCleanRefusal(result: Awaited<ReturnType<typeof configOf>>) {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('unexpected failure');
  if (result.exitCode === 0) return;
  expect(result.exitCode).toBe(2);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
  expect(errors).toHaveLength(1);
  expect(errors[0]?.length).toBeLessThan(500);
}

describe('phoenix-volumes config on malformed input', () => {
  it.each([
    ['a FIFO', async (file: string) => execFileSync('mkfifo', [file])],
    ['an alias bomb', (file: string) => writeFile(file, `a: &a [${'"x",'.repeat(9)}"x"]\n${laughs()}`)],
    ['a loop', (file: string) => writeFile(file, 'a: &a [*a]\n')],
    ['UTF-16', (file: string) => writeFile(file, Buffer.from('\uFEFFservices: {}\n', 'utf16le'))],
  ])('%s: exit 2, one line, no stack trace, quickly', async (name, make) => {
    const file = join(dir, `${name.replaceAll(' ', '-')}.yaml`);
    await make(file);
    const result = await configOf(file);
    expect(result.exitCode).toBe(2);
    expectCleanRefusal(result);
    expect(result.ms).toBeLessThan(5000); // spawn included; in-process checks bound the work itself
  });

  it('/dev/urandom: exit 2 at once', async () => {
    const result = await configOf('/dev/urandom');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: compose file \/dev\/urandom is a character device/m);
  });

  it('a seeded sample of mutated compose files: exit 0 or 2, never a stack trace', async () => {
    const fixture = await readFile(designCompose, 'utf8');
    const random = seeded(7);
    for (let run = 0; run < 8; run += 1) {
      const file = join(dir, `mutant-${run}.yaml`);
      await writeFile(file, mutant([fixture], random));
      expectCleanRefusal(await configOf(file));
    }
  }, 60_000);
});

function laughs(): string {
  const lines: string[] = [];
  for (let level = 1; level < 8; level += 1) {
    const previous = level === 1 ? 'a' : `l${level - 1}`;
    lines.push(`l${level}: &l${level} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}
