export {
  deployNginxConfig,
  invalidConfigError,
  nginxConfigVolume,
  nginxImage,
  sourceOf,
} from './deploy-config.ts';
export { stageConfig } from './stage-config.ts';
