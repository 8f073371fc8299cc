/** One contiguous range of a user namespace: container ids [containerId, containerId + size) map to host ids from hostId. */
export interface IdMapping {
  containerId: number;
  hostId: number;
  size: number;
}

/** Host uid/gid a container id lands on (999 → 100998 for subuid 100000:65536); undefined when unmapped. */
export function toHostId(containerId: number, mappings: readonly IdMapping[]): number | undefined {
  for (const m of mappings) {
    if (containerId >= m.containerId && containerId < m.containerId + m.size) {
      return m.hostId + (containerId - m.containerId);
    }
  }
  return undefined;
}

/** Container id a host uid/gid appears as inside the namespace; undefined when the host id is not mapped. */
export function toContainerId(hostId: number, mappings: readonly IdMapping[]): number | undefined {
  for (const m of mappings) {
    if (hostId >= m.hostId && hostId < m.hostId + m.size) {
      return m.containerId + (hostId - m.hostId);
    }
  }
  return undefined;
}

/** Shows both views of an id so users can match `ls -n` on the host: `999 (host 100998)`. */
export function formatId(containerId: number, hostId: number | undefined): string {
  return `${containerId} (host ${hostId ?? 'unmapped'})`;
}
