import { invokedFrom } from '@phoenix-hydra/core/invoked-from';
import { stopWhenOuterProcessExits } from '@phoenix-hydra/podman-adapter/user-namespace';
import { run } from './cli.ts';
import { stopOnSignal } from './interrupt.ts';

// Re-run inside podman unshare: a kill -9 of the outer process stops this one as SIGTERM would.
stopWhenOuterProcessExits();
// Through `pnpm phoenix-volumes` in the clone: compose discovery and relative paths start where the user is.
const from = invokedFrom('phoenix-volumes');
if (from !== undefined) process.chdir(from);
// A command stopped by SIGINT/SIGTERM stops with the helper containers it started (see interrupt.ts).
stopOnSignal();
// The only place that sets the exit code: commands throw, run() maps errors to 0/1/2.
process.exitCode = await run(process.argv.slice(2));
