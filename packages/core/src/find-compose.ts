import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** File names looked for in a directory, in this order (the design's podman-compose.yaml first). */
export const COMPOSE_FILE_NAMES = [
  'podman-compose.yaml',
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
] as const;

/** Files podman-compose or docker compose would merge in, which this tool does not read. */
const OVERRIDE_NAMES = [
  'compose.override.yaml',
  'compose.override.yml',
  'docker-compose.override.yaml',
  'docker-compose.override.yml',
  'podman-compose.yml',
];

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The compose file of a directory, and warnings when compose tools would read other files there too. */
export async function findComposeFile(
  dir: string,
): Promise<{ file: string | undefined; warnings: string[] }> {
  const found: string[] = [];
  for (const name of COMPOSE_FILE_NAMES) if (await exists(join(dir, name))) found.push(join(dir, name));
  const ignored: string[] = [];
  for (const name of OVERRIDE_NAMES) if (await exists(join(dir, name))) ignored.push(join(dir, name));
  const [file, ...others] = found;
  const warnings = [...others, ...ignored].map((other) =>
    file === undefined
      ? `${other} is not read by phoenix-volumes; pass it with --compose`
      : `${other} is ignored (read ${file}); podman-compose would merge it - pass --compose to be explicit`,
  );
  return { file, warnings };
}
