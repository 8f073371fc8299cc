import { resolveStack, type Stack } from '@phoenix-hydra/core';
import { createPodman, type Podman } from '@phoenix-hydra/podman-adapter';
import { type StackOptions, stackRequest } from './stack-options.ts';
import { stackOriginLine } from './stack-origin.ts';

/** Where a command writes: injectable so tests call commands directly and read what a user would see. */
export interface CommandIO {
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** The podman client (default: the real one); tests pass the adapter's fake. */
  podman?: Podman;
}

export interface CommandContext {
  stack: Stack;
  podman: Podman;
  out: (line: string) => void;
  err: (line: string) => void;
  stdout: NodeJS.WritableStream;
}

/** Resolves the stack (saying which one and from which file, then its warnings) and a podman client: what every stack command starts from. */
export async function openStack(options: StackOptions & CommandIO): Promise<CommandContext> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const err = (line: string) => stderr.write(`${line}\n`);
  const cwd = options.cwd ?? process.cwd();
  const { stack, warnings, source } = await resolveStack(stackRequest(options, cwd));
  err(stackOriginLine({ stack, source }, cwd));
  for (const warning of warnings) err(`warning: ${warning}`);
  return {
    stack,
    podman: options.podman ?? createPodman(),
    out: (line) => stdout.write(`${line}\n`),
    err,
    stdout,
  };
}
