import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './datasets.ts';
import type { Sample } from './measure.ts';

/** Where the repository's programs are, for the commands a case runs. */
export interface Tools {
  node: string;
  cliBin: string;
  libraryChild: string;
  /** The compiled, published forms of the backup and diagnostics libraries the library cases load (see published-build.ts). */
  entries: { backup: string; diagnostics: string };
  reportRss: string;
  /** False when podman is missing: the CLI (which asks podman which containers use a volume) is skipped. */
  cli: boolean;
}

export type Operation = 'backup' | 'restore' | 'usage scan';

/** One way of doing an operation, timed in every run. */
export interface Case {
  operation: Operation;
  tool: string;
  ours: boolean;
  /** Outside the timing: clears what the previous run left. */
  prepare(): void;
  /** What the case reads, to be read once before it is timed (this machine's page cache is small). */
  reads(): string;
  /** The bash script to time; `report` is the file a Node child writes its own numbers to. */
  script(report: string): string;
  /** The artifact's size after a backup. */
  artifactBytes?(sample: Sample): number | null;
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

function fresh(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/**
 * The compose file the CLI backs up: one external volume whose device is DATA, the podman volume VOLUME when
 * given (else podman-compose's `<project>_data`).
 */
export function writeCompose(dir: string, data: string, project: string, volume?: string): string {
  const file = join(dir, 'compose.yaml');
  writeFileSync(
    file,
    [
      `name: ${project}`,
      'services:',
      '  app:',
      '    image: localhost/phoenix-bench-none:latest',
      '    volumes:',
      '      - data:/data',
      'volumes:',
      '  data:',
      volume === undefined ? '    driver: local' : `    name: ${volume}`,
      `    driver_opts: { type: none, o: bind, device: ${JSON.stringify(data)} }`,
      '    x-phoenix: { kind: data, backup: archive, external: true }',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  return file;
}

/** The latest backup's archive in a backup directory the library case wrote. */
export function latestArchive(backupDir: string): { id: string; path: string } | null {
  const ids = readdirSync(backupDir)
    .filter((name) => /^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(name))
    .sort();
  const id = ids.at(-1);
  return id === undefined ? null : { id, path: join(backupDir, id, 'data.tar.zst') };
}

/**
 * The cases for one dataset, in `work` (a scratch directory): backups (ours through the library and
 * the CLI, `tar | zstd -T2 -3`, `tar -czf`), restores of our latest archive (ours, `zstd -d | tar -x`)
 * and usage scans (the diagnostics scanner behind `status`, `du -sk`).
 */
export function casesFor(dataset: Dataset, work: string, tools: Tools): Case[] {
  const dir = (name: string) => join(work, name);
  const libBackups = dir('library-backups');
  const cliBackups = dir('cli-backups');
  const peerZstd = dir('peer.tar.zst');
  const peerGzip = dir('peer.tar.gz');
  const compose = writeCompose(work, dataset.path, `phx-bench-${process.pid}`);
  const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? null;
  const archive = () => {
    const latest = latestArchive(libBackups);
    if (latest === null) throw new Error('no library backup to restore yet');
    return latest;
  };
  const node = quote(tools.node);
  const child = `BENCH_BACKUP_ENTRY=${quote(tools.entries.backup)} BENCH_DIAGNOSTICS_ENTRY=${quote(tools.entries.diagnostics)} ${node} ${quote(tools.libraryChild)}`;
  const cases: Case[] = [
    {
      operation: 'backup',
      tool: 'phoenix-volumes (library)',
      ours: true,
      prepare: () => fresh(libBackups),
      reads: () => dataset.path,
      script: () => `${child} backup ${quote(dataset.path)} ${quote(libBackups)}`,
      artifactBytes: () => size(archive().path),
    },
  ];
  if (tools.cli) {
    cases.push({
      operation: 'backup',
      tool: 'phoenix-volumes backup create (CLI)',
      ours: true,
      prepare: () => fresh(cliBackups),
      reads: () => dataset.path,
      script: () =>
        `NODE_OPTIONS=--import=${quote(tools.reportRss)} ${node} ${quote(tools.cliBin)} backup create --compose ${quote(compose)} --to ${quote(cliBackups)} --json >/dev/null`,
      artifactBytes: () => {
        const latest = latestArchive(cliBackups);
        return latest === null ? null : size(latest.path);
      },
    });
  }
  cases.push(
    {
      operation: 'backup',
      tool: 'tar -cf - . | zstd -T2 -3',
      ours: false,
      prepare: () => rmSync(peerZstd, { force: true }),
      reads: () => dataset.path,
      script: () => `tar -C ${quote(dataset.path)} -cf - . | zstd -q -T2 -3 > ${quote(peerZstd)}`,
      artifactBytes: () => size(peerZstd),
    },
    {
      operation: 'backup',
      tool: 'tar -czf',
      ours: false,
      prepare: () => rmSync(peerGzip, { force: true }),
      reads: () => dataset.path,
      script: () => `tar -C ${quote(dataset.path)} -czf ${quote(peerGzip)} .`,
      artifactBytes: () => size(peerGzip),
    },
    {
      operation: 'restore',
      tool: 'phoenix-volumes (library)',
      ours: true,
      prepare: () => fresh(dir('restore-ours')),
      reads: () => archive().path,
      script: () =>
        `${child} restore ${quote(libBackups)} ${archive().id} ${quote(dir('restore-ours/data'))}`,
    },
    {
      operation: 'restore',
      tool: 'zstd -d | tar -x',
      ours: false,
      prepare: () => fresh(dir('restore-peer/data')),
      reads: () => archive().path,
      script: () => `zstd -q -dc ${quote(archive().path)} | tar -C ${quote(dir('restore-peer/data'))} -xpf -`,
    },
    {
      operation: 'usage scan',
      tool: 'phoenix-volumes status scanner (library)',
      ours: true,
      prepare: () => {},
      reads: () => dataset.path,
      script: () => `${child} scan ${quote(dataset.path)}`,
    },
    {
      operation: 'usage scan',
      tool: 'du -sk',
      ours: false,
      prepare: () => {},
      reads: () => dataset.path,
      script: () => `du -sk ${quote(dataset.path)} >/dev/null`,
    },
  );
  return cases;
}

/** The peer each operation is measured against first (the targets), and the others. */
export const PEERS: Record<Operation, string[]> = {
  backup: ['tar -cf - . | zstd -T2 -3', 'tar -czf'],
  restore: ['zstd -d | tar -x'],
  'usage scan': ['du -sk'],
};
