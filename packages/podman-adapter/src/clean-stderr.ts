/** Warnings podman prints on healthy rootless hosts; they carry no information about the command's outcome. */
export const HARMLESS_WARNINGS: readonly RegExp[] = [/\\?"\/\\?" is not a shared mount/];

const WARNING_PREFIX = /^(?:WARN\[\d+\]|time="[^"]*" level=warning msg=)/;

/** Drops known harmless podman warning lines from stderr, keeping everything else verbatim. */
export function cleanStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !(WARNING_PREFIX.test(line) && HARMLESS_WARNINGS.some((re) => re.test(line))))
    .join('\n')
    .trim();
}
