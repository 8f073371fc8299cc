export {
  deployNginxConfig,
  invalidConfigError,
  nginxConfigVolume,
  nginxImage,
  sourceOf,
} from './deploy-config.ts';
export { requireLiveVolume, stageAndTestOnMachine, testOnMachine } from './deploy-remote.ts';
export { stageConfig } from './stage-config.ts';
