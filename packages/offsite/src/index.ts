export { type BackupToRepoOptions, backupToRepo, type RepoBackupResult } from './backup-to-repo.ts';
export { type FetchedBackup, fetchFromRepo } from './fetch-from-repo.ts';
export { findRepoBackup, listRepo, type RepoBackup } from './list-repo.ts';
export { forgetArgs, pruneRepo, type RepoPrunePlan } from './prune-repo.ts';
export { MIN_RESTIC, type RepoAccess, restic, resticEnv, resticVersion, shownRepo } from './restic.ts';
export { OWN_TAG, snapshotTags } from './tags.ts';
export { type RepoVerifyResult, type VerifyRepoOptions, verifyRepo } from './verify-repo.ts';
