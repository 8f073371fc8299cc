import { isIP } from 'node:net';
import { parseSize } from '@phoenix-hydra/diagnostics';

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;
const FACTOR = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds from `500ms`, `30s`, `10m`, `26h`, `7d`, or a number of seconds; null when unreadable. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : null;
  const match = DURATION.exec(value);
  if (!match?.[1] || !match[2]) return null;
  return Math.round(Number(match[1]) * FACTOR[match[2] as keyof typeof FACTOR]);
}

/** Bytes from `1GB`, `512MiB`, `64M` (coreutils' rules, as the CLI reads sizes) or a number; null when unreadable. */
export function parseBytes(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  try {
    return parseSize(value);
  } catch {
    return null;
  }
}

/** A fraction from `5%` or `0.05`; null outside 0..1. */
export function parseFraction(value: string | number): number | null {
  const n = typeof value === 'number' ? value : /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)?.[1];
  if (n === undefined) return null;
  const fraction = typeof value === 'number' ? value : Number(n) / 100;
  return fraction >= 0 && fraction <= 1 ? fraction : null;
}

/** Formats milliseconds the way the config writes them, for log lines. */
export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay fires at once, over and over. */
export const MAX_TIMER_MS = 2 ** 31 - 2;

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Why `host:port` cannot be listened on (port 1-65535, an IP address or host name), or undefined. */
export function listenProblem(listen: string): string | undefined {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen);
  if (match === null) return 'write host:port, e.g. 127.0.0.1:9469 or [::1]:9469';
  const [, v6, host = '', port] = match;
  if (Number(port) < 1 || Number(port) > 65_535) return `port ${port} is outside 1-65535`;
  if (v6 !== undefined) return isIP(v6) === 6 ? undefined : `[${v6}] is not an IPv6 address`;
  if (isIP(host) === 4) return undefined;
  if (/^[\d.]+$/.test(host)) return `${host} is not an IPv4 address`;
  return HOSTNAME.test(host) ? undefined : `"${host}" is not a host name or IP address`;
}

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** A header value: visible characters, spaces and tabs; CR, LF and NUL would split or end the request. */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\uffff]{0,8192}$/;
