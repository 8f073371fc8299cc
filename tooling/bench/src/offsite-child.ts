// Our off-host backup of one directory in a fresh process, as `backup create --repo` does it: the
// directory archived uncompressed (plain tar) into a private staging directory, uploaded as one restic
// snapshot (backupToRepo), the staging copy removed. The bench runs it bundled (offsite-case.ts).
//   node offsite-child.ts <source dir> <staging parent> <restic repository>
// The password comes from RESTIC_PASSWORD_FILE. Prints restic's figures as JSON on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createBackup } from '@phoenix-hydra/backup';
import { backupToRepo } from '@phoenix-hydra/offsite';

const [path, parent, repo] = process.argv.slice(2);
if (path === undefined || parent === undefined || repo === undefined)
  throw new Error('usage: offsite-child.ts SOURCE STAGING_PARENT REPO');
const staging = mkdtempSync(join(parent, '.offsite-'));
try {
  const manifest = await createBackup({
    backupDir: staging,
    project: 'bench',
    volumes: [{ name: 'data', strategy: 'archive', path }],
    taken: 'offline',
    compression: 'none',
  });
  const result = await backupToRepo({ access: { repo }, backupDir: staging, id: manifest.id, host: 'bench' });
  process.stdout.write(
    `${JSON.stringify({ dataAdded: result.bytesAdded, processed: result.bytesProcessed })}\n`,
  );
} finally {
  rmSync(staging, { recursive: true, force: true });
}
