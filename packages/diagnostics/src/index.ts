// What the apps and the other packages import, plus the types README.md ("API") documents. `export *` of a whole
// module, or of src/public/<module>.ts where the module also holds internal helpers: named re-exports here would
// make esbuild put every command's modules into one chunk they all load (CONTRIBUTING.md, "API surface").

export * from './check-result.ts';
export * from './check-view.ts';
export * from './doctor/apply-fixes.ts';
export * from './doctor/catalogue.ts';
export * from './format-bytes.ts';
export * from './observe.ts';
export * from './public/apply-setup.ts';
export * from './public/doctor/context.ts';
export * from './public/doctor/finding.ts';
export * from './public/doctor/parse-outputs.ts';
export * from './public/doctor/run-doctor.ts';
export * from './public/inspect/inspect-volumes.ts';
export * from './public/nginx/health.ts';
export * from './public/nginx/test-config.ts';
export * from './public/plan-setup.ts';
export * from './public/postgres/discover-connection.ts';
export * from './public/probe-volume.ts';
export * from './public/service-states.ts';
export * from './public/usage/scan-tree.ts';
export * from './public/usage/usage-history.ts';
export * from './public/usage/volume-containers.ts';
export * from './public/volume-targets.ts';
export * from './usage/filesystem.ts';
export * from './usage/parse-size.ts';
export * from './usage/stack-status.ts';
export * from './usage/volume-users.ts';
export * from './user-namespace.ts';
