// What the entry point exports of ../unshare.ts: its other exports are internal (see index.ts).
export {
  type DiskUsage,
  parseDuOutput,
  type TimeLimit,
  type TreeOptions,
  type UnshareStat,
} from '../unshare.ts';
