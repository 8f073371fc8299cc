// What the entry point exports of ../../doctor/context.ts: its other exports are internal (see index.ts).
export { createDoctorContext, type DoctorContext, type DoctorOptions } from '../../doctor/context.ts';
