// Everything that changes the stack, by job; each is also its own subpath (`@phoenix-hydra/operations/backup`).
export * from './backup/index.ts';
export * from './cleanup/index.ts';
export * from './logs/index.ts';
export * from './nginx/index.ts';
