export { applyCleanup, type CleanupPlan, planCleanup, usersInTheWay } from './cleanup.ts';
