import { createHmac, timingSafeEqual } from 'node:crypto';

/** Unix seconds when the request was signed: part of what is signed, so a replay of an old call fails. */
export const TIMESTAMP_HEADER = 'x-phoenix-timestamp';
/** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` (Stripe's and Standard Webhooks' scheme). */
export const SIGNATURE_HEADER = 'x-phoenix-signature';
/** How old a signed call a receiver should still accept, by default: 5 minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The signature header's value for `body` sent at `timestamp` (unix seconds). */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Why a received call does not verify. */
export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/**
 * What a receiver does (and the tests): refuses a call without both headers, one signed more than
 * `toleranceSeconds` from `now` (a replay), and one whose signature does not match the timestamp and
 * the raw body under the secret (constant-time). The header may list several `v1=` values, space-separated.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  options: { toleranceSeconds?: number; now?: number } = {},
): VerifyResult {
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'missing' };
  const age = (options.now ?? Date.now()) / 1000 - Number(timestamp);
  if (Math.abs(age) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS))
    return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signPayload(secret, Number(timestamp), body));
  const matches = signature.split(/[\s,]+/).some((given) => {
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}
