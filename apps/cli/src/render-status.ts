import {
  formatBytes,
  type ServiceState,
  type StackStatus,
  type VolumeContainer,
  type VolumeStatus,
} from '@phoenix-hydra/diagnostics';

const BAR_WIDTH = 20;

/** `[#####---------------]` for a fraction (clamped to 0..1), like df's Use% as a picture. */
export function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/** "42 s", "7 min", "3 h", "2 d": how long ago, in one unit. */
export function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A limit as the user probably wrote it: 1 GiB stays "1 GiB", 100e6 is "100.0 MB". */
function formatLimit(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return formatBytes(bytes);
}

function signed(bytes: number): string {
  return `${bytes < 0 ? '-' : '+'}${formatBytes(Math.abs(bytes))}`;
}

/** "phx_db_1 running as 999:999 (host 100998:100998), rw on /var/lib/postgresql/data". */
export function describeContainer(c: VolumeContainer): string {
  const who =
    c.user.uid === null
      ? `as the image's user${c.user.configUser ? ` (${c.user.configUser})` : ''}`
      : `as ${c.user.uid}:${c.user.gid ?? '?'} (host ${c.user.hostUid ?? 'unmapped'}:${c.user.hostGid ?? 'unmapped'})`;
  const mount = c.mount ? `, ${c.mount.rw ? 'rw' : 'ro'} on ${c.mount.destination}` : '';
  return `${c.container} ${c.running ? 'running' : 'stopped, runs'} ${who}${mount}`;
}

function limitLine(v: VolumeStatus): string {
  const t = v.threshold;
  if (t === null) return '-';
  const state = t.state === 'warn' ? 'WARN' : 'ok';
  if (t.metric === 'used_bytes') {
    const pct = Math.round(t.fraction * 100);
    const over = t.state === 'warn' ? ': rotate the logs (phoenix-volumes logs rotate)' : '';
    return `${state}  ${bar(t.fraction)} ${pct}% of the ${formatLimit(t.limit)} cap for logs${over}`;
  }
  return t.state === 'warn'
    ? `WARN  only ${formatBytes(t.value)} free, below the ${formatBytes(t.limit)} wanted`
    : `ok    ${formatBytes(t.value)} free, warns below ${formatBytes(t.limit)}`;
}

function ioLines(v: VolumeStatus): string[] {
  const io = v.io;
  if (!io) return [];
  const lines: [string, string][] = [];
  const d = io.device;
  if (d.virtual) {
    lines.push(['device', d.reason]);
  } else if (io.stats) {
    const s = io.stats;
    lines.push([
      'device',
      `${d.name} (${d.major}:${d.minor}${d.fstype ? `, ${d.fstype}` : ''}): since boot ${formatBytes(s.readBytes)} read in ${formatCount(s.readsCompleted)} ops (${s.readSeconds.toFixed(1)} s), ${formatBytes(s.writtenBytes)} written in ${formatCount(s.writesCompleted)} ops (${s.writeSeconds.toFixed(1)} s)`,
    ]);
  }
  if (io.rates) {
    const r = io.rates;
    lines.push([
      'I/O now',
      `${formatBytes(r.readBytesPerSecond)}/s read, ${formatBytes(r.writtenBytesPerSecond)}/s written, ${r.readsPerSecond.toFixed(1)} + ${r.writesPerSecond.toFixed(1)} ops/s, ${Math.round(r.utilization * 100)}% busy (over ${formatAge(r.seconds)})`,
    ]);
  }
  const g = io.growth;
  if (g) {
    const where = g.top.map((t) => `${t.name} ${signed(t.bytesDelta)}`).join(', ');
    lines.push([
      'growth',
      `${signed(g.bytesDelta)}, ${g.filesDelta >= 0 ? '+' : ''}${formatCount(g.filesDelta)} files in ${formatAge(g.seconds)} (${signed(g.bytesPerSecond)}/s)${where ? `: ${where}` : ''}`,
    ]);
    const names = io.changed.map((c) => `${c.path} (${formatBytes(c.bytes)})`).join(', ');
    lines.push([
      'changed',
      `${formatCount(io.changedCount ?? 0)} files since the previous scan${names ? `: ${names}` : ''}`,
    ]);
  } else {
    lines.push(['growth', 'first scan; the next status shows growth and changed files']);
  }
  return lines.map(([k, text]) => `  ${k.padEnd(11)} ${text}`);
}

/** One volume as a block of labelled lines. */
export function renderVolume(v: VolumeStatus): string[] {
  const lines = [`${v.name}  ${v.kind}  ${v.hostPath}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(11)} ${text}`);
  if (!v.exists) {
    row('used', 'MISSING: the directory does not exist (phoenix-volumes setup)');
  } else if (v.usage) {
    const how = {
      host: 'read as you',
      'user-namespace': 'read inside podman unshare',
      helper: 'read on the podman machine by a helper container',
    }[v.usage.via];
    row(
      'used',
      `${formatBytes(v.usage.bytes)} in ${formatCount(v.usage.files)} files (${how}, ${v.usage.seconds.toFixed(2)} s)`,
    );
  }
  const fs = v.filesystem;
  if (fs) {
    const pct = fs.sizeBytes > 0 ? Math.round((fs.usedBytes / fs.sizeBytes) * 100) : 0;
    row(
      'filesystem',
      `${bar(fs.sizeBytes > 0 ? fs.usedBytes / fs.sizeBytes : 0)} ${pct}% of ${formatBytes(fs.sizeBytes)} used, ${formatBytes(fs.availBytes)} free, ${formatCount(fs.filesFree)} inodes free`,
    );
  }
  row('limit', limitLine(v));
  if (v.containers.length === 0) row('containers', 'none mounts it');
  v.containers.forEach((c, i) => {
    row(i === 0 ? 'containers' : '', describeContainer(c));
  });
  row(
    'backup',
    v.backup
      ? `${formatAge(v.backup.ageSeconds)} ago (${v.backup.id})`
      : 'none yet (phoenix-volumes backup create)',
  );
  lines.push(...ioLines(v));
  return lines;
}

/** "db  exited (exit code 1, restarted 3 times)  phx_db_1": one line per service, DOWN marked. */
export function renderService(s: ServiceState): string {
  const detail = [
    s.exitCode !== null && s.state !== 'stopped' ? `exit code ${s.exitCode}` : '',
    s.restartCount > 0 ? `restarted ${s.restartCount} times` : '',
    s.health ? `health ${s.health}` : '',
  ].filter(Boolean);
  const state = `${s.state}${detail.length ? ` (${detail.join(', ')})` : ''}`;
  const mark = s.up ? 'ok  ' : s.state === 'stopped' || s.state === 'not-created' ? '-   ' : 'DOWN';
  return `  ${mark}  ${s.service.padEnd(12)} ${state}${s.container ? `  ${s.container}` : ''}`;
}

/** The whole `status` screen. */
export function renderStatus(status: StackStatus): string {
  const blocks = status.volumes.map((v) => renderVolume(v).join('\n'));
  const out = [
    `${status.project}  ${status.time}`,
    '',
    'services',
    ...status.services.map(renderService),
    '',
    blocks.join('\n\n'),
  ];
  const cio = status.containerIo;
  if (cio) {
    out.push('');
    if (!cio.available) {
      out.push(`container block I/O: unavailable (${cio.reason})`, `  hint: ${cio.hint}`);
    } else if (cio.containers.length === 0) {
      out.push('container block I/O: no running container mounts these volumes');
    } else {
      out.push('container block I/O since start:');
      for (const c of cio.containers) {
        out.push(
          `  ${c.container}  ${formatBytes(c.readBytes)} read, ${formatBytes(c.writtenBytes)} written`,
        );
      }
    }
  }
  return out.join('\n');
}
