import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers `phoenix-volumes doctor`. */
export function registerDoctor(program: Command, setExitCode: (code: number) => void): void {
  addStackOptions(
    program
      .command('doctor')
      .summary('find what is wrong with the stack, explain it, and fix what is safe (exit 1 on errors)')
      .description(
        'run every troubleshooting check: podman, subuid/subgid ranges, storage driver, directories, modes, ' +
          'owners as the container sees them, PG_VERSION, nginx -t, SELinux labels, podman volumes, container ' +
          'mounts and users, the state of every service (exit code, restarts, OOM, health) with the reason matched in its ' +
          'logs against a catalogue of known failures (doctor --list), space, logs, locks and backups. Each finding has an id (PHX-...), its evidence, ' +
          'why it matters and the fix. --fix applies the safe fixes through podman unshare (helper containers through a remote podman), then checks again. ' +
          'PHOENIX_SUBUID_FILE / PHOENIX_SUBGID_FILE read other files than /etc/subuid and /etc/subgid.',
      )
      .option('--json', 'print the findings as JSON on stdout')
      .option('--list', 'print every id doctor can report (checks, service states, log signatures) and exit')
      .option('--fix', 'apply the safe fixes after listing them and asking')
      .option('-y, --yes', 'with --fix: do not ask')
      .option('--check <id>', 'run only this check (repeatable), e.g. PHX-OWNER-001', collect, [])
      .option('--backup-dir <dir>', 'where backups are (default: ~/.local/state/phoenix-hydra/backups)'),
  ).action(async (options) => {
    const { doctorCommand } = await import('../commands/doctor.ts');
    setExitCode(await doctorCommand({ ...options, check: options.check.length ? options.check : undefined }));
  });
}
