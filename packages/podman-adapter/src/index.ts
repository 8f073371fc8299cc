// What the apps and the other packages import, plus the types README.md ("API") documents. `export *` of a whole
// module, or of src/public/<module>.ts where the module also holds internal helpers: named re-exports here would
// make esbuild put every command's modules into one chunk they all load (CONTRIBUTING.md, "API surface").

export * from './id-mapping.ts';
export * from './node-task.ts';
export * from './public/container-runtime.ts';
export * from './public/containers.ts';
export * from './public/events.ts';
export * from './public/helper-tar.ts';
export * from './public/helper-tar-in.ts';
export * from './public/info.ts';
export * from './public/podman.ts';
export * from './public/remote-podman.ts';
export * from './public/run.ts';
export * from './public/runner.ts';
export * from './public/unshare.ts';
export * from './public/volume-files.ts';
export * from './public/volumes.ts';
export * from './subid.ts';
