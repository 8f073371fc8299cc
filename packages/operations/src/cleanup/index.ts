export { applyCleanup, type CleanupItem, type CleanupPlan, planCleanup } from './cleanup.ts';
