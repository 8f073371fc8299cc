import type { Readable } from 'node:stream';

/** Options for one command run by an {@link Exec}: stdin to feed, extra environment, target container. */
export interface ExecOptions {
  /** Fed to the command's stdin; the command sees EOF when it ends. */
  stdin?: Readable;
  /** Added to the command's environment; how secrets such as PGPASSWORD travel (never argv). */
  env?: Record<string, string>;
  /** The container to run in; an exec that runs commands locally ignores it. */
  container?: string;
  signal?: AbortSignal;
}

/** A running command: read `stdout` to the end; `done` rejects (with stderr in the message) on failure. */
export interface ExecResult {
  stdout: Readable;
  done: Promise<void>;
}

/** Runs argv somewhere (locally, or inside a container through podman); injected so backup never needs podman. */
export type Exec = (argv: string[], options: ExecOptions) => ExecResult;

/**
 * How archives are compressed. `none` writes plain tar (and a dump with pg_dump's compression off) for a
 * store that deduplicates and compresses by itself, such as a restic repository: compressed bytes
 * change everywhere after one changed byte, which defeats content-defined chunking.
 */
export type Compression = 'zstd' | 'gzip' | 'none';

/**
 * How the data was taken: containers stopped, never running, dumped live with pg_dump, or files
 * copied while their (non-database) containers ran, such as nginx config and logs.
 */
export type TakenHow = 'containers-stopped' | 'offline' | 'logical-dump' | 'live-files';

/** One progress report; the CLI renders it as a bar. Sizes are uncompressed bytes when backing up. */
export interface Progress {
  operation: 'backup' | 'verify' | 'restore';
  volume: string;
  bytesDone: number;
  /** Undefined when the total is unknown (e.g. pg_dump output). */
  bytesTotal: number | undefined;
  bytesPerSecond: number;
}

export type OnProgress = (progress: Progress) => void;
