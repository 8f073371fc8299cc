// Entry point of work done as root of the rootless user namespace: `podman unshare node ns-main.ts TASK`,
// the task's input as JSON on stdin, its result as JSON on stdout. Imports node built-ins only (through
// the task modules), so it starts fast and runs from src (type stripping) or dist alike.
import { text } from 'node:stream/consumers';
import { nsTasks } from './ns-tasks.ts';

const name = process.argv[2] ?? '';
try {
  const task = nsTasks[name as keyof typeof nsTasks];
  if (task === undefined) throw new Error(`unknown task "${name}"`);
  const result = await task(JSON.parse(await text(process.stdin)));
  process.stdout.write(JSON.stringify(result));
} catch (error) {
  const { code, message, name: kind, hint } = error as NodeJS.ErrnoException & { hint?: string };
  // A PhoenixError (a refusal with its own code and hint) crosses back as itself.
  const phoenix = kind === 'PhoenixError' ? { hint: hint ?? null } : null;
  process.stderr.write(`${JSON.stringify({ error: { code: code ?? null, message, phoenix } })}\n`);
  process.exitCode = 1;
}
