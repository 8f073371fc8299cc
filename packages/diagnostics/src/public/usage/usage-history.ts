// What the entry point exports of ../../usage/usage-history.ts: its other exports are internal (see index.ts).
export { usageHistoryPath } from '../../usage/usage-history.ts';
