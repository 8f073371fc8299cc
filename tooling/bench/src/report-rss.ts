// Preloaded (`node --import`) into a Node command the benchmark runs: on exit, writes the process's
// peak RSS to the file named by BENCH_REPORT, exactly, where polling /proc could miss the peak.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_REPORT;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKB: process.resourceUsage().maxRSS }));
  });
}
