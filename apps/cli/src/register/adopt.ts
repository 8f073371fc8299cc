import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';
import { entersUserNamespace, rerunInUserNamespace } from '../user-namespace.ts';

/** Registers `phoenix-volumes adopt`. */
export function registerAdopt(program: Command, setExitCode: (code: number) => void): void {
  addStackOptions(
    program
      .command('adopt')
      .summary("move data of the original scripts from podman's storage into the stack's host directories")
      .description(
        "For volumes podman-compose created without their bind options (the data in podman's storage, the host " +
          'directory empty), or a volume under another name (--from-volume): prints the plan, then stops the ' +
          'containers, copies the data into the host directory inside the user namespace (through a remote podman: in helper containers on the machine; owners and modes kept), ' +
          'verifies it (entries, bytes, owners, modes; pg_controldata for a database), recreates the volume bound ' +
          'to the directory and starts the stack again. The old data is kept until you remove it.',
      )
      .option('-v, --volume <name>', 'adopt only this volume (repeatable)', (v: string, p: string[] = []) => [
        ...p,
        v,
      ])
      .option(
        '--from-volume <name>',
        'copy from this podman volume (e.g. of another project name); with one --volume',
      )
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--json', 'print what was adopted as JSON on stdout'),
  ).action(async (options) => {
    if (await entersUserNamespace()) return setExitCode(await rerunInUserNamespace(process.argv.slice(2)));
    const { adoptCommand } = await import('../commands/adopt.ts');
    await adoptCommand(options);
  });
}
