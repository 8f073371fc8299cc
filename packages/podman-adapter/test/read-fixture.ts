import { readFileSync } from 'node:fs';

/** Reads a recorded podman output from test/fixtures (see capture-fixtures.sh for how each was made). */
export function readFixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}
