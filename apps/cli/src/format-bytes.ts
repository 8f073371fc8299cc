// The one size format lives in diagnostics (check, doctor and status share it); commands import it from here.
export { formatBytes } from '@phoenix-hydra/diagnostics';
