// What the CLI and the agent use, plus findRepoBackup (README); the rest is internal.
export { backupToRepo, type RepoBackupResult } from './backup-to-repo.ts';
export { fetchFromRepo } from './fetch-from-repo.ts';
export { findRepoBackup, listRepo } from './list-repo.ts';
export { pruneRepo } from './prune-repo.ts';
export { type RepoAccess, resticVersion, shownRepo } from './restic.ts';
export { backupTreesToRepo, canReadTrees } from './trees.ts';
export { verifyRepo } from './verify-repo.ts';
