export {
  type DeployOptions,
  type DeployReport,
  deployNginxConfig,
  invalidConfigError,
  nginxConfigVolume,
  nginxImage,
  type ReloadCheck,
  type RolledBack,
  sourceOf,
} from './deploy-config.ts';
export { stageConfig } from './stage-config.ts';
