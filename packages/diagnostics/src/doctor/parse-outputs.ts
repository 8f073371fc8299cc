/** One message of `nginx -t`, with the file and line it points at when nginx names them. */
export interface NginxMessage {
  level: string;
  message: string;
  file: string | null;
  line: number | null;
}

// `nginx: [emerg] unknown directive "x" in /etc/nginx/conf.d/default.conf:3` or, once nginx has opened its
// error log, `2026/11/25 20:04:52 [emerg] 1#1: unexpected "}" in /etc/nginx/conf.d/default.conf:5`.
const NGINX_LINE = /\[(emerg|alert|crit|error|warn)\] (?:\d+#\d+: )?(.*?)(?: in (\/\S+?):(\d+))?\s*$/;

/** The problems `nginx -t` printed (warnings included), in order. */
export function parseNginxTest(output: string): NginxMessage[] {
  return output.split('\n').flatMap((line) => {
    const match = NGINX_LINE.exec(line);
    if (!match?.[1] || match[2] === undefined) return [];
    return [
      {
        level: match[1],
        message: match[2],
        file: match[3] ?? null,
        line: match[4] === undefined ? null : Number(match[4]),
      },
    ];
  });
}

/** Major version from `postgres --version` ("postgres (PostgreSQL) 15.18 (Debian ...)") or a bare "15". */
export function parsePostgresMajor(output: string): number | null {
  const match = /PostgreSQL\)?\s+(\d+)/.exec(output) ?? /^\s*(\d+)\s*$/m.exec(output);
  return match?.[1] ? Number(match[1]) : null;
}

/** The SELinux context `ls -dZ PATH` prints first; null when SELinux labels are unsupported ("?"). */
export function parseSelinuxLabel(output: string): { label: string; type: string } | null {
  const label = output.trim().split(/\s+/)[0] ?? '';
  const parts = label.split(':');
  if (parts.length < 3 || parts[2] === undefined) return null;
  return { label, type: parts[2] };
}

/** Filesystem figures as `stat -f --printf='%a %b %S %d %c\n'` prints them, one line per path. */
interface StatfsLine {
  availBytes: number;
  sizeBytes: number;
  filesFree: number;
  files: number;
}

/** Parses the `stat -f` format doctor uses (STATFS_FORMAT); lines that do not match are null. */
export function parseStatfs(output: string): (StatfsLine | null)[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const n = line.trim().split(/\s+/).map(Number);
      const [avail, blocks, size, filesFree, files] = n;
      if (n.length !== 5 || n.some((x) => !Number.isFinite(x))) return null;
      if (avail === undefined || blocks === undefined || size === undefined) return null;
      if (filesFree === undefined || files === undefined) return null;
      return { availBytes: avail * size, sizeBytes: blocks * size, filesFree, files };
    });
}

/** `stat -f` format: available blocks, total blocks, block size, free inodes, total inodes. */
export const STATFS_FORMAT = '%a %b %S %d %c\\n';
