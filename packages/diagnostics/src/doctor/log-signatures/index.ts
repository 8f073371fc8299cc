import { GENERIC_SIGNATURES } from './generic.ts';
import { NGINX_SIGNATURES } from './nginx.ts';
import { POSTGRES_SIGNATURES } from './postgres.ts';
import type { LogSignature } from './signature.ts';

export * from './signature.ts';

/**
 * Every known failure signature, in matching order: service-specific ones before generic ones (a
 * shared-memory "No space left on device" is PHX-LOG-PG-007, not PHX-LOG-RUN-004). Ids never change.
 */
export const LOG_SIGNATURES: readonly LogSignature[] = [
  ...POSTGRES_SIGNATURES,
  ...NGINX_SIGNATURES,
  ...GENERIC_SIGNATURES,
];
