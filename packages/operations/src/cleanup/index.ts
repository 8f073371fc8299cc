export { applyCleanup, type CleanupPlan, planCleanup } from './cleanup.ts';
