// What the apps and the other packages import, plus the option types documented in README.md ("API"); the rest
// is internal. Named re-exports here cost the CLI bundle nothing (measured, unlike diagnostics and the adapter:
// see CONTRIBUTING.md, "API surface").
export {
  isPhoenixError,
  PhoenixError,
  type PhoenixErrorCode,
  type PhoenixErrorOptions,
} from '@phoenix-hydra/errors';
export { oneLine } from './compose-error.ts';
export { type DefaultStackOptions, defaultStack } from './default-stack.ts';
export { createEvent, type PhoenixEvent, type PhoenixEventType, phoenixEventSchema } from './events.ts';
export { expandHome } from './expand-home.ts';
export { diagnoseMachineError, machineParentOf, toMachinePath } from './machine-paths.ts';
export {
  formatMode,
  formatOwner,
  type Owner,
  podmanVolumeName,
  type ServiceSpec,
  type Stack,
  type VolumeKind,
  type VolumeSpec,
} from './model.ts';
export { nginxDefaultConf, starterListenPort } from './nginx-default-conf.ts';
export { type ReadInputOptions, readInputFile } from './read-input-file.ts';
export { type ResolvedStack, type ResolveStackOptions, resolveStack } from './resolve-stack.ts';
export { resticLocation } from './restic-location.ts';
export { defaultBackupDir, eventLogPath, lockDir, stateDir } from './state-paths.ts';
export { formatPath, locate, parseYaml, type YamlSource } from './yaml-source.ts';
