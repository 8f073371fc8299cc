// What the entry point exports of ../apply-setup.ts: its other exports are internal (see index.ts).
export { type ApplyListener, type ApplySetupOptions, applySetup, primeVolume } from '../apply-setup.ts';
