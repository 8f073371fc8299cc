import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { podman } from './host.ts';

// The e2e preset (tooling/vitest/e2e-tmp-dir.ts) gives each run its own temporary directory, as the unit
// preset does: what the tests and the CLIs they start (also one killed on purpose) write there is removed
// at the end, files of the user namespace's ids included.
describe("the e2e tests' temporary directory", () => {
  it('is one of this run, for the test and the processes it starts, and files a container owns can be in it', async () => {
    expect(basename(tmpdir())).toMatch(/^phoenix-e2e-run-/);
    const child = execFileSync(process.execPath, ['-p', 'require("node:os").tmpdir()'], { encoding: 'utf8' });
    expect(child.trim()).toBe(tmpdir());
    // As postgres leaves its data: 999:999, 0700. The user cannot remove it; the teardown must.
    const dir = mkdtempSync(join(tmpdir(), 'phx-owned-'));
    writeFileSync(join(dir, 'PG_VERSION'), '16\n');
    for (const argv of [
      ['unshare', 'chown', '-R', '999:999', dir],
      ['unshare', 'chmod', '0700', dir],
    ]) {
      const r = await podman(argv);
      expect(r, r.stderr).toMatchObject({ code: 0 });
    }
  });
});
