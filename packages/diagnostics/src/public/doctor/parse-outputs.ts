// What the entry point exports of ../../doctor/parse-outputs.ts: its other exports are internal (see index.ts).
export { parseNginxTest } from '../../doctor/parse-outputs.ts';
