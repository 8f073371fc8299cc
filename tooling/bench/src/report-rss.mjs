// Preloaded (`node --import`) into a Node command the benchmark runs: on exit, writes the process's
// peak RSS to the file named by BENCH_REPORT, exactly, where polling /proc could miss the peak. When
// the command runs Node again (the CLI re-runs itself inside `podman unshare` for a non-root user),
// the largest process's peak is kept. Plain JavaScript: a .ts file here would load Node's TypeScript
// loader (~19 MB) into the measured process before the CLI's own compile cache is on.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_REPORT;
if (file) {
  process.on('exit', () => {
    let earlier = 0;
    try {
      earlier = JSON.parse(readFileSync(file, 'utf8')).maxRssKB ?? 0;
    } catch {
      // first process to exit
    }
    const own = process.resourceUsage().maxRSS;
    writeFileSync(file, JSON.stringify({ maxRssKB: Math.max(earlier, own) }));
  });
}
