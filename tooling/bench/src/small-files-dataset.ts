import { linkSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// mulberry32, seeded: every machine builds the same bytes.
import { seeded as random } from '../../fuzz/mutate.ts';

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const PATHS = ['/api/v1/items', '/api/v1/users', '/health', '/static/app.js', '/api/v1/orders', '/login'];
const STATUS = [200, 200, 200, 201, 204, 304, 404, 500];

/** One access-log-like line: realistic repetition, so zstd's ratio resembles real logs (about 4-5x). */
function logLine(next: () => number, time: number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const id = Math.floor(next() * 100000);
  const trace = Math.floor(next() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');
  return `${new Date(time).toISOString()} ${pick(LEVELS)} [worker-${Math.floor(next() * 16)}] ${pick(METHODS)} ${pick(PATHS)}/${id} ${pick(STATUS)} ${Math.floor(next() * 2000)}ms user=u${Math.floor(next() * 5000)} trace=${trace}\n`;
}

/**
 * Writes `files` small text files (log-like, 0.5-22 KB, about 6 KB on average) in directories of
 * 100, two levels deep, with old mtimes, plus a symlink and a hard link per top-level directory.
 */
export function makeSmallFilesDataset(dest: string, files: number): void {
  const next = random(20261125);
  const perDir = 100;
  const dirsPerTop = 10;
  let time = Date.UTC(2026, 0, 1);
  const stamp = new Date(Date.UTC(2026, 10, 1));
  const dirs: string[] = [];
  mkdirSync(dest, { recursive: true });
  for (let i = 0; i < files; i += 1) {
    const top = `app-${String(Math.floor(i / (perDir * dirsPerTop))).padStart(3, '0')}`;
    const dir = join(dest, top, `day-${String(Math.floor(i / perDir) % dirsPerTop).padStart(2, '0')}`);
    if (i % (perDir * dirsPerTop) === 0) dirs.push(join(dest, top));
    if (i % perDir === 0) {
      mkdirSync(dir, { recursive: true });
      dirs.push(dir);
    }
    const target = 512 + Math.floor(next() * next() * 2 * 10.5 * 1024);
    let text = '';
    while (text.length < target) {
      time += Math.floor(next() * 500);
      text += logLine(next, time);
    }
    const file = join(dir, `part-${String(i % perDir).padStart(3, '0')}.log`);
    writeFileSync(file, text, { mode: 0o640 });
    utimesSync(file, stamp, new Date(time));
    if (i % (perDir * dirsPerTop) === 0) {
      symlinkSync(`day-00/part-000.log`, join(dest, top, 'current.log'));
      linkSync(file, join(dest, top, 'first.log'));
    }
  }
  for (const dir of [...dirs.reverse(), dest]) utimesSync(dir, stamp, stamp);
}
