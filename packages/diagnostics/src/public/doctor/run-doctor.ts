// What the entry point exports of ../../doctor/run-doctor.ts: its other exports are internal (see index.ts).
export { type DoctorCheck, type DoctorReport, hasError, runDoctor } from '../../doctor/run-doctor.ts';
