import type { ResolvedStack } from '@phoenix-hydra/core';

/**
 * The first line every stack command writes on stderr: which stack it manages and from which compose
 * file, or, out loud, that no compose file was found and the built-in stack is used.
 */
export function stackOriginLine(resolved: Pick<ResolvedStack, 'stack' | 'source'>, cwd: string): string {
  const { stack } = resolved;
  if (resolved.source === 'compose' && stack.composeFile) {
    return `${stack.project} from ${stack.composeFile}`;
  }
  return `${stack.project}: no compose file in ${cwd} — using the built-in Phoenix Hydra stack (pass --compose FILE)`;
}
