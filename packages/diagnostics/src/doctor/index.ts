export * from './apply-fixes.ts';
export * from './catalogue.ts';
export * from './context.ts';
export * from './finding.ts';
export * from './log-signatures/index.ts';
export * from './parse-outputs.ts';
export * from './run-doctor.ts';
