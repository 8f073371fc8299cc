// The modules the apps and the other packages use (`export *`: named re-exports would make the CLI bundle load every
// module any command uses; see CONTRIBUTING.md, "API surface"). Modules nobody outside uses are not exported.
export * from '@phoenix-hydra/errors';
export * from './compose-error.ts';
export * from './default-stack.ts';
export * from './events.ts';
export * from './expand-home.ts';
export * from './machine-paths.ts';
export * from './model.ts';
export * from './nginx-default-conf.ts';
export * from './read-input-file.ts';
export * from './resolve-stack.ts';
export * from './restic-location.ts';
export * from './state-paths.ts';
export * from './yaml-source.ts';
