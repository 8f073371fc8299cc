import { run } from './cli.ts';

// The only place that sets the exit code: commands throw, run() maps errors to 0/1/2.
process.exitCode = await run(process.argv.slice(2));
