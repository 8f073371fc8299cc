// The documented API (README.md, "API") and what the CLI, agent, operations and offsite use; the rest is internal.
export { isBackupId } from './backup-id.ts';
export {
  type BackupVolume,
  type CreateBackupOptions,
  createBackup,
  type TreeVolume,
} from './create-backup.ts';
export { checkForHelperRestore, plainTarStream } from './helper-restore.ts';
export {
  describeJournal,
  type Journal,
  type JournalRebind,
  type JournalState,
  openJournal,
  readJournal,
  removeJournal,
  repairSwap,
} from './journal.ts';
export { type ListedBackup, listBackups } from './list.ts';
export { localExec } from './local-exec.ts';
export { acquireLock, LOCK_FILE, type Lock, type LockHolder } from './lock.ts';
export {
  type Manifest,
  type ManifestVolume,
  readManifest,
  readVerification,
  type Verification,
  type VolumeAbout,
} from './manifest.ts';
export { postgresConnectionArgs } from './postgres.ts';
export { isProcessAlive } from './process-alive.ts';
export {
  type PrunePlan,
  planPrune,
  pruneBackups,
  type RetentionPolicy,
} from './prune.ts';
export {
  checkDumpTarget,
  checkRoom,
  type RestoreFileSystems,
  type RestoreOptions,
  type RestoreResult,
  restoreBackup,
} from './restore.ts';
export type { Compression, Exec, ExecOptions, ExecResult, OnProgress, Progress, TakenHow } from './types.ts';
export { type VerifyOptions, type VerifyResult, verifyAll, verifyBackup } from './verify.ts';
