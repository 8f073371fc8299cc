// What the entry point exports of ../../usage/scan-tree.ts: its other exports are internal (see index.ts).
export { type ScanOptions, scanTree, type TreeUsage } from '../../usage/scan-tree.ts';
