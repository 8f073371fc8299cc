export * from './apply-setup.ts';
export * from './check-result.ts';
export * from './check-volumes.ts';
export * from './cleanup.ts';
export * from './observe.ts';
export * from './plan-setup.ts';
export * from './probe-volume.ts';
export * from './user-namespace.ts';
