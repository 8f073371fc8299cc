import { readdir, stat } from 'node:fs/promises';

/** Which processes hold which files open: `dev:ino` → pids. */
export type OpenFiles = Record<string, number[]>;

/**
 * Finds the files held open by processes this user may inspect, by stat()ing each /proc/<pid>/fd link
 * (the inode, not the path: a container's process sees the file under another path). Restricted to
 * one filesystem (`dev`). Processes whose fds this user may not read are skipped.
 */
export async function findOpenFiles(dev: number, proc = '/proc'): Promise<OpenFiles> {
  const open: OpenFiles = {};
  const pids = (await readdir(proc)).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`${proc}/${pid}/fd`).catch(() => []);
      for (const fd of fds) {
        const st = await stat(`${proc}/${pid}/fd/${fd}`).catch(() => null);
        if (st === null || st.dev !== dev || !st.isFile()) continue;
        const key = `${st.dev}:${st.ino}`;
        const holders = open[key] ?? [];
        if (!holders.includes(Number(pid))) holders.push(Number(pid));
        open[key] = holders;
      }
    }),
  );
  return open;
}
