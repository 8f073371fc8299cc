/**
 * The copies a remote `nginx deploy` kept inside the nginx configuration volume: the replaced files as
 * `.phoenix-previous-TAG`, a refused configuration as `.phoenix-failed-TAG`. Backups leave them out, so a
 * restore never brings back configurations long replaced.
 */
export const DEPLOY_KEPT_PREFIXES: readonly string[] = ['.phoenix-previous-', '.phoenix-failed-'];
