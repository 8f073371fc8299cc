/** podman `--filter` values: each key may carry several values (labels AND, most other keys OR). */
export type Filters = Readonly<Record<string, string | readonly string[]>>;

/** Expands filters into `--filter key=value` argument pairs. */
export function filterArgs(filters: Filters | undefined): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(filters ?? {})) {
    for (const v of typeof value === 'string' ? [value] : value) args.push('--filter', `${key}=${v}`);
  }
  return args;
}
