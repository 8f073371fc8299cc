import type { Command } from 'commander';
import { registerBackup } from './backup.ts';
import { registerCheck } from './check.ts';
import { registerCleanup } from './cleanup.ts';
import { registerConfig } from './config.ts';
import { registerDoctor } from './doctor.ts';
import { registerRestore } from './restore.ts';
import { registerSetup } from './setup.ts';

/** Each command registers itself; the order here is the order `--help` lists them. */
export const commandRegistrations: ((program: Command, setExitCode: (code: number) => void) => void)[] = [
  registerConfig,
  registerSetup,
  registerCheck,
  registerDoctor,
  registerBackup,
  registerRestore,
  registerCleanup,
];
