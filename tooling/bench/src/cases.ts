import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  /**
   * The e2e host's rootless user, when the bench runs as root and it exists: the CLI case then also runs
   * as that user on a copy of the dataset owned by its subordinate ids (issue 17: the namespace re-run is
   * inside the measurement), with the user's environment.
   */
  rootless?: { name: string; uid: number; gid: number; env: NodeJS.ProcessEnv };
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
  if (tools.cli && tools.rootless)
    cases.push(rootlessCliCase(dataset, dir('rootless'), tools, tools.rootless));
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

/** The peer each operation is measured against first (the issue's targets), and the others. */
export const PEERS: Record<Operation, string[]> = {
  backup: ['tar -cf - . | zstd -T2 -3', 'tar -czf'],
  restore: ['zstd -d | tar -x'],
  'usage scan': ['du -sk'],
};

/**
 * `backup create` as the rootless user, as issue 17 measures it: a copy of the dataset owned by the
 * container's uid 999 (a subordinate id on the host, as a postgres data directory is), so the CLI re-runs
 * inside `podman unshare` to read it. `dir` must be reachable by the user (its parents 0711). The copy is
 * made once, outside the timing; the bench's scratch cleanup (as root) removes it.
 */
function rootlessCliCase(
  dataset: Dataset,
  dir: string,
  tools: Tools,
  user: NonNullable<Tools['rootless']>,
): Case {
  const data = join(dir, 'data');
  const backups = join(dir, 'backups');
  const report = join(dir, 'report.json');
  mkdirSync(dir, { mode: 0o755 });
  chownSync(dir, user.uid, user.gid);
  execFileSync('cp', ['-a', '--', dataset.path, data]);
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, '--', data]);
  const env = ['HOME', 'USER', 'LOGNAME', 'XDG_RUNTIME_DIR', 'PATH'].map(
    (k) => `${k}=${quote(user.env[k] ?? '')}`,
  );
  const as = (command: string) => `runuser -u ${user.name} -- env ${env.join(' ')} bash -c ${quote(command)}`;
  execFileSync('bash', ['-c', as(`podman unshare chown -R 999:999 ${quote(data)}`)], { stdio: 'pipe' });
  const compose = writeCompose(dir, data, `phx-bench-rootless-${process.pid}`);
  const node = quote(tools.node);
  return {
    operation: 'backup',
    tool: 'phoenix-volumes backup create (CLI, rootless, subuid-owned data)',
    ours: true,
    prepare: () => {
      execFileSync('bash', ['-c', as(`podman unshare rm -rf ${quote(backups)}; mkdir ${quote(backups)}`)]);
    },
    reads: () => data,
    // The user cannot write the bench's report file (root's scratch): the CLI's goes beside it, copied after.
    script: (out) =>
      `rm -f ${quote(report)}; ${as(`BENCH_REPORT=${quote(report)} NODE_OPTIONS=--import=${quote(tools.reportRss)} ${node} ${quote(tools.cliBin)} backup create --compose ${quote(compose)} --to ${quote(backups)} --json >/dev/null`)} && cp ${quote(report)} ${quote(out)}`,
    artifactBytes: () => {
      const latest = latestArchive(backups);
      return latest === null ? null : (statSync(latest.path, { throwIfNoEntry: false })?.size ?? null);
    },
  };
}
