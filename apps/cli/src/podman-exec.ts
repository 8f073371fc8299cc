// Moved to @phoenix-hydra/diagnostics (the agent's scheduled backups use them too); kept for the CLI's imports.
export { podmanExec, postgresIdentity } from '@phoenix-hydra/diagnostics';
