/** Control and format characters (newline, escape, bidi overrides) a container may put in a file name. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\\"]/gu;

/**
 * A file name as a terminal line may show it: unchanged when plain, otherwise quoted with every control or
 * format character escaped (`"a\nb"`), so a name a container chose cannot forge lines or colours in our
 * output. JSON output keeps names as they are.
 */
export function printableName(name: string): string {
  if (!/[\p{Cc}\p{Cf}]/u.test(name)) return name;
  const escaped = name.replace(UNPRINTABLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\\' || c === '"') return `\\${c}`;
    return `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`;
  });
  return `"${escaped}"`;
}

/** Control and format characters other than tab: what must never reach a terminal raw. */
const UNSAFE_IN_LINE = /[\p{Cc}\p{Cf}]/gu;

/**
 * One line of human output made safe for a terminal: every control or format character but tab becomes
 * `\u{..}`, so text a container controls (its log lines, file names in its volume) quoted in a finding
 * cannot forge lines, move the cursor, set the window title or write the clipboard (ESC ] 52).
 */
export function terminalLine(line: string): string {
  return line.replace(UNSAFE_IN_LINE, (c) =>
    c === '\t' ? c : `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
}
