// The inside half of a node task run under `podman unshare`: reads the input as JSON on stdin, writes the
// result as JSON on stdout, or the error as one JSON line on stderr. Node built-ins only, so the process
// inside starts fast (see node-task.ts for the outside half).
import { text } from 'node:stream/consumers';

/** A table of tasks: each a plain function of JSON input, so the same code runs in-process or inside. */
// biome-ignore lint/suspicious/noExplicitAny: each task declares its own input type
export type NodeTasks = Record<string, (input: any) => Promise<unknown>>;

/** Runs the task named by argv[2] from `tasks` (call it from a package's own entry module). */
export async function serveNodeTask(tasks: NodeTasks, name = process.argv[2] ?? ''): Promise<void> {
  try {
    const task = tasks[name];
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
}
