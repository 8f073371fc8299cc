import type { Manifest } from '@phoenix-hydra/backup';

/** Every snapshot phoenix-volumes writes carries this tag; other snapshots in the repository are ignored. */
export const OWN_TAG = 'phoenix-volumes';

/** The tags of a stack backup's snapshot: project, backup id, how it was taken, one per volume. */
export function snapshotTags(manifest: Manifest): string[] {
  return [
    OWN_TAG,
    `project:${manifest.project}`,
    `id:${manifest.id}`,
    `taken:${manifest.taken}`,
    ...manifest.volumes.map((v) => `volume:${v.name}`),
  ];
}

/** The value of the first `key:value` tag. */
export function tagValue(tags: readonly string[], key: string): string | undefined {
  return tags.find((t) => t.startsWith(`${key}:`))?.slice(key.length + 1);
}

/** The values of every `key:value` tag. */
export function tagValues(tags: readonly string[], key: string): string[] {
  return tags.filter((t) => t.startsWith(`${key}:`)).map((t) => t.slice(key.length + 1));
}
