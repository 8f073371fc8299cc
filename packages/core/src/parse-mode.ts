/** Octal permission bits as people write them: "0700", "700", "0o700". */
const OCTAL_MODE = /^(?:0o|0)?([0-7]{1,4})$/;

/** The highest mode the tool manages: no setuid/setgid/sticky bits on volume roots. */
export const MAX_MODE = 0o777;

/** Parses a mode written as an octal string or given as a number; undefined when it is not 0000-0777. */
export function parseMode(input: string | number): number | undefined {
  if (typeof input === 'number') {
    return Number.isInteger(input) && input >= 0 && input <= MAX_MODE ? input : undefined;
  }
  const match = OCTAL_MODE.exec(input.trim());
  if (match?.[1] === undefined) return undefined;
  const mode = Number.parseInt(match[1], 8);
  return mode <= MAX_MODE ? mode : undefined;
}
