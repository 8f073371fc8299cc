import type { Command } from 'commander';
import { registerAdopt } from './adopt.ts';
import { registerBackup } from './backup.ts';
import { registerCheck } from './check.ts';
import { registerCleanup } from './cleanup.ts';
import { registerConfig } from './config.ts';
import { registerDoctor } from './doctor.ts';
import { registerInspect } from './inspect.ts';
import { registerLogs } from './logs.ts';
import { registerLs } from './ls.ts';
import { registerNginx } from './nginx.ts';
import { registerRestore } from './restore.ts';
import { registerSetup } from './setup.ts';
import { registerStatus } from './status.ts';

/** Each command registers itself; the order here is the order `--help` lists them. */
export const commandRegistrations: ((program: Command, setExitCode: (code: number) => void) => void)[] = [
  registerConfig,
  registerSetup,
  registerCheck,
  registerDoctor,
  registerStatus,
  registerLs,
  registerInspect,
  registerLogs,
  registerNginx,
  registerBackup,
  registerRestore,
  registerAdopt,
  registerCleanup,
];
