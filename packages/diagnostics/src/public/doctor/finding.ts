// What the entry point exports of ../../doctor/finding.ts: its other exports are internal (see index.ts).
export {
  type CatalogueEntry,
  type Finding,
  type Fix,
  SEVERITY_ORDER,
  type Severity,
} from '../../doctor/finding.ts';
