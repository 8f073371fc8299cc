import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The unit preset (tooling/vitest/tmp-dir.ts) gives each run its own temporary directory, removed at the end,
// so `pnpm test` leaves nothing in the machine's /tmp, for this process and every process a test starts.
describe("the unit tests' temporary directory", () => {
  it('is one of this run, for the test and for the processes it starts', () => {
    expect(basename(tmpdir())).toMatch(/^phoenix-unit-run-/);
    const made = mkdtempSync(join(tmpdir(), 'phx-probe-'));
    expect(dirname(made)).toBe(tmpdir());
    const child = execFileSync(process.execPath, ['-p', 'require("node:os").tmpdir()'], { encoding: 'utf8' });
    expect(child.trim()).toBe(tmpdir());
  });
});
