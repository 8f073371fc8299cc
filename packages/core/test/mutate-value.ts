/**
 * A copy of `data` with one value somewhere replaced by one of `values`: the structural fuzz of the
 * hand-written checks (compose-shape, check-stack) against their zod schemas. With `newKeys`, sometimes
 * sets one of those keys instead of an existing one.
 */
export function mutateValue(
  data: unknown,
  random: () => number,
  values: readonly unknown[],
  newKeys: readonly string[] = [],
): unknown {
  const copy = structuredClone(data) as Record<string, unknown>;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let node: Record<string, unknown> = copy;
  for (let depth = 0; depth < 6; depth += 1) {
    const keys = Object.keys(node);
    const next = keys.length === 0 ? undefined : node[pick(keys)];
    if (next === null || typeof next !== 'object' || random() < 0.2) break;
    node = next as Record<string, unknown>;
  }
  const keys = Object.keys(node);
  // Arrays only get their items replaced: parsed YAML never has an array with named properties.
  const fresh = newKeys.length > 0 && !Array.isArray(node) && (keys.length === 0 || random() < 0.3);
  if (!fresh && keys.length === 0) return copy;
  node[fresh ? pick(newKeys) : pick(keys)] = structuredClone(pick(values));
  return copy;
}
