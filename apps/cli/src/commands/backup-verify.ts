import { type VerifyResult, verifyAll, verifyBackup } from '@phoenix-hydra/backup';
import { PhoenixError } from '@phoenix-hydra/core';
import { type BackupScopeOptions, backupScope } from '../backup-dir.ts';
import { progressBar } from '../progress-bar.ts';

export interface BackupVerifyOptions extends BackupScopeOptions {
  id?: string;
  all?: boolean;
}

/** `phoenix-volumes backup verify ID|--all`: rehash, decompress and walk every entry; exit 1 when any backup is damaged. */
export async function backupVerifyCommand(options: BackupVerifyOptions): Promise<number> {
  const { stdout, backupDir, project } = await backupScope(options);
  if (!options.all && !options.id) {
    throw new PhoenixError('USAGE', 'name a backup to verify, or pass --all', {
      hint: 'phoenix-volumes backup ls lists the ids',
    });
  }
  const bar = progressBar(process.stderr, !options.json);
  const opts = bar.onProgress ? { onProgress: bar.onProgress } : {};
  let results: VerifyResult[];
  try {
    results = options.all
      ? await verifyAll(backupDir, { ...opts, project })
      : [await verifyBackup(backupDir, options.id ?? '', opts)];
  } finally {
    bar.done();
  }
  const bad = results.filter((r) => !r.ok);
  if (options.json) {
    stdout.write(`${JSON.stringify({ backupDir, ok: bad.length === 0, results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      stdout.write(
        r.ok ? `ok      ${r.id}\n` : `FAILED  ${r.id}\n${r.problems.map((p) => `        ${p}\n`).join('')}`,
      );
    }
    stdout.write(
      `${results.length - bad.length} of ${results.length} backups verified${bad.length ? `, ${bad.length} damaged` : ''}.\n`,
    );
  }
  return bad.length > 0 ? 1 : 0;
}
