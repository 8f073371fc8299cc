import { packageConfig } from '@phoenix-hydra/vitest-preset';

export default packageConfig(import.meta.dirname);
