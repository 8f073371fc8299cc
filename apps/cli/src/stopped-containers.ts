// Moved to @phoenix-hydra/diagnostics (the agent's scheduled backups use it too); kept for the CLI's imports.
export { withStoppedContainers } from '@phoenix-hydra/diagnostics';
