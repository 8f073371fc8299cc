export { type AdoptFiles, adoptFilesFor } from './adopt-files.ts';
export { type AdoptResult, adoptVolumes } from './adopt-volumes.ts';
export { composeUp, finishRebind } from './finish-adopt.ts';
export { type AdoptPlan, planAdopt } from './plan-adopt.ts';
