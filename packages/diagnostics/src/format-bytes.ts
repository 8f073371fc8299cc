const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** The one size format of check, doctor and status: decimal units as df -H and podman print them, 1.5 GB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}
