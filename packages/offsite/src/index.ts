// What the CLI and the agent use, plus findRepoBackup (README); the rest is internal.
export { backupToRepo } from './backup-to-repo.ts';
export { fetchFromRepo } from './fetch-from-repo.ts';
export { findRepoBackup, listRepo } from './list-repo.ts';
export { pruneRepo } from './prune-repo.ts';
export { type RepoAccess, resticVersion, shownRepo } from './restic.ts';
export { verifyRepo } from './verify-repo.ts';
