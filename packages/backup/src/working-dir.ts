/**
 * The process's working directory, or null when it cannot be known (deleted under it): callers that
 * move into directories to look names up then stay with absolute paths, having nowhere to come back to.
 */
export function currentDir(): string | null {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}
