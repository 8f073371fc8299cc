export { aboutVolume, backupStack } from './backup-stack.ts';
export { machineFileSystems } from './machine-room.ts';
export { podmanExec, postgresConnection } from './podman-exec.ts';
export { repairSwapOnMachine } from './remote-repair.ts';
export { restoreThroughHelper } from './remote-restore.ts';
export { throughHelpers } from './remote-tar.ts';
export { type StopHooks, startAndCheck, withStoppedContainers } from './stopped-containers.ts';
