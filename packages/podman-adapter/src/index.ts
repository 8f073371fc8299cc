// The modules the apps and the other packages use, plus formatId and detectRemotePodman (README). `export *`, not
// named re-exports: see CONTRIBUTING.md, "API surface".
export * from './container-runtime.ts';
export * from './containers.ts';
export * from './events.ts';
export * from './helper-tar.ts';
export * from './helper-tar-in.ts';
export * from './id-mapping.ts';
export * from './info.ts';
export * from './node-task.ts';
export * from './podman.ts';
export * from './remote-podman.ts';
export * from './run.ts';
export * from './runner.ts';
export * from './subid.ts';
export * from './unshare.ts';
export * from './volume-files.ts';
export * from './volumes.ts';
