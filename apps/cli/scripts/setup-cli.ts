// `pnpm setup-cli [--bin-dir DIR]`: builds the CLI's bundle and puts a `phoenix-volumes` launcher in ~/.local/bin
// (no root needed), so the CLI runs from the directory that holds the user's compose file. pnpm runs this with the clone's Node 24.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCli } from '../build.ts';
import { installLauncher } from '../src/launcher.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
try {
  const { values } = parseArgs({ options: { 'bin-dir': { type: 'string' } } });
  // The bundle the launcher's bin runs while it is newer than the sources (see build.ts): a start parses one file.
  await buildCli(join(root, 'apps', 'cli', 'dist'));
  const done = await installLauncher({ root, binDir: values['bin-dir'], nodeVersion: process.versions.node });
  const binDir = dirname(done.path);
  process.stdout.write(`wrote ${done.path}: phoenix-volumes from ${root} with its Node ${done.node}\n`);
  if (!done.onPath) {
    process.stdout.write(
      `${binDir} is not on your PATH yet: log in again (Debian's ~/.profile adds ~/.local/bin once it exists), ` +
        `or run: export PATH="${binDir}:$PATH"\n`,
    );
  }
  process.stdout.write(
    'then, in the directory that holds your podman-compose.yaml: phoenix-volumes config\n',
  );
} catch (error) {
  const { message, hint } = error as { message: string; hint?: string };
  process.stderr.write(`error: ${message}\n${hint === undefined ? '' : `hint: ${hint}\n`}`);
  process.exitCode = (error as { code?: string }).code === 'USAGE' ? 2 : 1;
}
