import { z } from 'zod';
import type { IdMapping } from './id-mapping.ts';
import { callJson, type RunnerConfig } from './runner.ts';

const mappingSchema = z.object({ container_id: z.number(), host_id: z.number(), size: z.number() });

/** The part of `podman info --format json` (4.3) the tool relies on; rootful podman prints null id maps. */
export const infoSchema = z.object({
  host: z.object({
    cgroupVersion: z.string(),
    idMappings: z
      .object({ uidmap: z.array(mappingSchema).nullish(), gidmap: z.array(mappingSchema).nullish() })
      .nullish(),
    ociRuntime: z.object({ name: z.string(), path: z.string(), version: z.string() }),
    security: z.object({ rootless: z.boolean(), selinuxEnabled: z.boolean() }),
  }),
  store: z.object({ graphDriverName: z.string() }),
  version: z.object({ Version: z.string() }),
});

/** What setup and doctor need to know about the podman they talk to. */
export interface PodmanInfo {
  rootless: boolean;
  /** User-namespace maps as podman applies them; empty when rootful. */
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  selinuxEnabled: boolean;
  storageDriver: string;
  version: string;
  /** `v1` or `v2` as podman reports it. */
  cgroupVersion: string;
  ociRuntime: { name: string; path: string; version: string };
}

const toMappings = (list: z.infer<typeof mappingSchema>[] | null | undefined): IdMapping[] =>
  (list ?? []).map((m) => ({ containerId: m.container_id, hostId: m.host_id, size: m.size }));

/** Maps validated `podman info` JSON to PodmanInfo. */
export function toPodmanInfo(raw: z.output<typeof infoSchema>): PodmanInfo {
  return {
    rootless: raw.host.security.rootless,
    uidMappings: toMappings(raw.host.idMappings?.uidmap),
    gidMappings: toMappings(raw.host.idMappings?.gidmap),
    selinuxEnabled: raw.host.security.selinuxEnabled,
    storageDriver: raw.store.graphDriverName,
    version: raw.version.Version,
    cgroupVersion: raw.host.cgroupVersion,
    ociRuntime: raw.host.ociRuntime,
  };
}

/** `podman info`, validated. */
export async function info(config: RunnerConfig): Promise<PodmanInfo> {
  return toPodmanInfo(await callJson(config, ['info', '--format', 'json'], infoSchema));
}
