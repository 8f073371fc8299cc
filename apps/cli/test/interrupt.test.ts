import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const INTERRUPT = fileURLToPath(new URL('../src/interrupt.ts', import.meta.url));

/**
 * Runs a process that listens with interruptSignal(), sends it SIGTERM at each of `gapsMs` (from the
 * previous one), and reports how it ended: aborted cleanly (exit 0 after printing the abort) or killed.
 */
function runWithSignals(
  gapsMs: number[],
): Promise<{ code: number | null; signal: string | null; out: string }> {
  const script = `
    const { interruptSignal, interruptedExitCode } = await import(${JSON.stringify(INTERRUPT)});
    const { signal, dispose } = interruptSignal();
    const alive = setInterval(() => {}, 1000); // a command at work
    process.stdout.write('ready\\n');
    await new Promise((r) => signal.addEventListener('abort', r));
    process.stdout.write('aborted ' + interruptedExitCode() + '\\n');
    await new Promise((r) => setTimeout(r, 5000)); // cleaning up (longer than the gaps below, however loaded the machine)
    dispose();
    clearInterval(alive);
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', async (chunk: Buffer) => {
      out += chunk;
      if (!out.startsWith('ready') || out.length > 'ready\n'.length) return;
      for (const gap of gapsMs) {
        await new Promise((r) => setTimeout(r, gap));
        child.kill('SIGTERM');
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('interruptSignal', () => {
  it('aborts cleanly on SIGTERM, counting a repeat within a second as the same stop', async () => {
    // The terminal or systemd signals the whole group and the outer process forwards it again.
    const result = await runWithSignals([0, 50]);
    expect(result.out).toContain('aborted 143');
    expect(result).toMatchObject({ code: 0, signal: null });
  }, 15_000);

  it('stops at once on another signal more than a second later', async () => {
    const result = await runWithSignals([0, 2000]); // a second is the window; 2 s leave room for a loaded machine
    expect(result.out).toContain('aborted 143');
    expect(result.signal).toBe('SIGTERM');
  }, 15_000);
});

describe('stopOnSignal (commands that do not listen themselves)', () => {
  it('ends with 143 and says so; a repeat within a second (Ctrl-C plus the forwarded signal) is the same stop', async () => {
    const script = `
      const { stopOnSignal } = await import(${JSON.stringify(INTERRUPT)});
      // Removing the helpers takes a while (podman rm of each): the repeat arrives meanwhile.
      stopOnSignal(() => new Promise((r) => setTimeout(r, 500, ['phoenix-probe-1'])));
      setInterval(() => {}, 1000); // a command at work
      process.stdout.write('ready\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.stdout.once('data', async () => {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100)); // while it removes its helpers
      child.kill('SIGTERM');
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    expect({ code, signal }, err).toEqual({ code: 143, signal: null });
    expect(err).toMatch(
      /^SIGTERM received: stopped; removed the helper container it had started \(phoenix-probe-1\)$/m,
    );
  }, 15_000);
});
