// Our off-host backup of one directory in a fresh process, as `backup create --repo` does it: the
// manifest staged in a private directory, the directory itself read by restic (layout 2: bind-mounted
// at trees/data in a private mount namespace; the bench runs as root), one restic snapshot, the staging
// copy removed. The bench runs it bundled (offsite-case.ts).
//   node offsite-child.ts <source dir> <staging parent> <restic repository>
// The password comes from RESTIC_PASSWORD_FILE. Prints restic's figures as JSON on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createBackup } from '@phoenix-hydra/backup';
import { backupTreesToRepo, type RepoBackupResult } from '@phoenix-hydra/offsite';

const [path, parent, repo] = process.argv.slice(2);
if (path === undefined || parent === undefined || repo === undefined)
  throw new Error('usage: offsite-child.ts SOURCE STAGING_PARENT REPO');
const staging = mkdtempSync(join(parent, '.offsite-'));
try {
  let result: RepoBackupResult | undefined;
  await createBackup({
    backupDir: staging,
    project: 'bench',
    volumes: [{ name: 'data', strategy: 'archive', path }],
    taken: 'offline',
    compression: 'none',
    trees: async (dir, manifest, trees) => {
      result = await backupTreesToRepo({ access: { repo }, dir, manifest, trees, host: 'bench' });
    },
  });
  if (result === undefined) throw new Error('no snapshot written');
  process.stdout.write(
    `${JSON.stringify({ dataAdded: result.bytesAdded, processed: result.bytesProcessed })}\n`,
  );
} finally {
  rmSync(staging, { recursive: true, force: true });
}
