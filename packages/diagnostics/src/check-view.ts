import { formatMode, formatOwner, podmanVolumeName, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import type { CheckResult } from './check-result.ts';
import type { Finding, Severity } from './doctor/finding.ts';
import { isNginxConfig } from './observe.ts';

/**
 * The doctor checks `check` shows, per volume, under the names `check` has always printed. The rules
 * live in doctor's catalogue only; `check` is a view of their findings.
 */
const CHECK_VIEW: readonly { id: string; name: (spec: VolumeSpec) => string }[] = [
  { id: 'PHX-DIR-002', name: () => 'directory' },
  { id: 'PHX-MODE-001', name: () => 'mode' },
  { id: 'PHX-OWNER-001', name: () => 'owner' },
  { id: 'PHX-NGINX-001', name: () => 'default-conf' },
  { id: 'PHX-VOLUME-001', name: () => 'named-volume' },
  { id: 'PHX-VOLUME-002', name: () => 'named-volume' },
  { id: 'PHX-PROBE-001', name: (spec) => (spec.readOnly ? 'read-probe' : 'write-probe') },
  { id: 'PHX-SELINUX-001', name: () => 'selinux' },
  { id: 'PHX-SPACE-001', name: () => 'free-space' },
];

/** The ids doctor runs for `check` (without the probe for --no-probe). */
export function checkViewIds(options: { probe?: boolean } = {}): string[] {
  return [...new Set(CHECK_VIEW.map((c) => c.id))].filter(
    (id) => options.probe !== false || id !== 'PHX-PROBE-001',
  );
}

/** A row of `check`: doctor's finding (or its absence) under check's name, with doctor's id and severity. */
export interface CheckRow extends CheckResult {
  id: string;
  severity: Severity | null;
}

// What a row says when doctor found nothing for it: the rule held.
function passMessage(stack: Stack, spec: VolumeSpec, id: string): string {
  const messages: Record<string, string> = {
    'PHX-DIR-002': `${spec.hostPath} exists`,
    'PHX-MODE-001': `mode ${formatMode(spec.mode)}`,
    'PHX-OWNER-001': `owned by ${formatOwner(spec.owner)} as the container sees it`,
    'PHX-NGINX-001': 'default.conf is present',
    'PHX-VOLUME-001': `podman volume ${podmanVolumeName(stack, spec)} is bound to ${spec.hostPath}`,
    'PHX-PROBE-001': `a container running as ${formatOwner(spec.owner)} can ${spec.readOnly ? 'read' : 'write'} it`,
    'PHX-SPACE-001': 'enough free space',
  };
  return messages[id] ?? 'as expected';
}

/**
 * `check`'s rows from one doctor run over checkViewIds(): per volume, one row per rule, failing rows from
 * doctor's findings (ok/WARN/FAIL rendered from its severity). A missing directory shows only what can be
 * judged without it, as check always did.
 */
export function checkView(stack: Stack, findings: readonly Finding[], ran: readonly string[]): CheckRow[] {
  return stack.volumes.flatMap((spec) => {
    const mine = findings.filter((f) => f.volume === spec.name);
    const dirMissing = mine.some((f) => f.check === 'PHX-DIR-002');
    const rows: CheckRow[] = [];
    const seen = new Set<string>();
    for (const { id, name } of CHECK_VIEW) {
      if (!ran.includes(id)) continue;
      const check = name(spec);
      const found = mine.filter((f) => f.check === id);
      for (const f of found) {
        const { title: _t, why: _w, fix: _f, severity, ...result } = f;
        rows.push({ ...result, check, id, severity });
      }
      const needsDir = !['PHX-DIR-002', 'PHX-VOLUME-001', 'PHX-VOLUME-002', 'PHX-SPACE-001'].includes(id);
      const applies = id !== 'PHX-NGINX-001' || isNginxConfig(spec);
      const passable = id !== 'PHX-SELINUX-001' && id !== 'PHX-VOLUME-002';
      if (found.length === 0 && applies && passable && !seen.has(check) && !(needsDir && dirMissing)) {
        rows.push({
          check,
          id,
          volume: spec.name,
          status: 'pass',
          severity: null,
          message: passMessage(stack, spec, id),
        });
      }
      seen.add(check);
    }
    // Both named-volume rules share one row: drop the pass row when the other rule failed.
    return rows.filter(
      (r) =>
        !(
          r.check === 'named-volume' &&
          r.status === 'pass' &&
          rows.some((o) => o.check === 'named-volume' && o !== r)
        ),
    );
  });
}
