export { type AdoptResult, adoptVolumes } from './adopt-volumes.ts';
export { composeUp, finishRebind } from './finish-adopt.ts';
export { type AdoptItem, type AdoptPlan, type PlanAdoptOptions, planAdopt } from './plan-adopt.ts';
export { isEmptyDir, summarizeTree, type TreeSummary } from './tree-summary.ts';
