import type { Manifest } from '@phoenix-hydra/backup';

/** Every snapshot phoenix-volumes writes carries this tag; other snapshots in the repository are ignored. */
export const OWN_TAG = 'phoenix-volumes';

/**
 * Snapshot layouts. 1: `manifest.json` and one artifact per volume (`<volume>.tar`, `<volume>.pgdump`)
 * at the root. 2: `manifest.json` (the dumps only), `offsite.json`, `<volume>.pgdump` and each archived
 * volume's tree itself under `trees/<volume>/`. A snapshot without a `layout:` tag is layout 1.
 */
export type Layout = 1 | 2;

/** The tags of a stack backup's snapshot: project, backup id, how it was taken, one per volume; with `trees`, layout 2. */
export function snapshotTags(manifest: Manifest, trees?: readonly string[]): string[] {
  return [
    OWN_TAG,
    `project:${manifest.project}`,
    `id:${manifest.id}`,
    `taken:${manifest.taken}`,
    ...[...manifest.volumes.map((v) => v.name), ...(trees ?? [])].map((name) => `volume:${name}`),
    ...(trees === undefined ? [] : ['layout:2']),
  ];
}

/** The layout a snapshot's tags name. */
export function layoutOf(tags: readonly string[]): Layout {
  return tagValue(tags, 'layout') === '2' ? 2 : 1;
}

/** The value of the first `key:value` tag. */
export function tagValue(tags: readonly string[], key: string): string | undefined {
  return tags.find((t) => t.startsWith(`${key}:`))?.slice(key.length + 1);
}

/** The values of every `key:value` tag. */
export function tagValues(tags: readonly string[], key: string): string[] {
  return tags.filter((t) => t.startsWith(`${key}:`)).map((t) => t.slice(key.length + 1));
}
