import {
  type CheckRow,
  checkView,
  checkViewIds,
  createDoctorContext,
  DOCTOR_CHECKS,
  hasFailure,
  runDoctor,
} from '@phoenix-hydra/diagnostics';
import { type CommandIO, openStack } from '../context.ts';
import { formatTable } from '../format-table.ts';
import { terminalLine } from '../printable-name.ts';
import type { StackOptions } from '../stack-options.ts';

export interface CheckCommandOptions extends StackOptions, CommandIO {
  json?: boolean;
  probe?: boolean;
  probeImage?: string;
}

// doctor's severity in check's words: error FAIL, warning WARN, info (and nothing found) ok.
const MARK: Record<CheckRow['status'], string> = { pass: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/**
 * `phoenix-volumes check`: the volume rules of doctor's catalogue (directory, mode, owner, default.conf,
 * podman volume, a real write/read probe as the container user, free space), one row per volume and rule;
 * exit 1 when any is an error.
 */
export async function checkCommand(options: CheckCommandOptions): Promise<number> {
  const { stack, podman, out } = await openStack(options);
  const ctx = createDoctorContext(stack, podman, {
    ...(options.probeImage === undefined ? {} : { probeImage: options.probeImage }),
  });
  const ids = checkViewIds({ probe: options.probe !== false });
  const report = await runDoctor(ctx, DOCTOR_CHECKS, { only: ids });
  const results = checkView(stack, report.findings, ids);
  const failed = hasFailure(results);
  if (options.json) {
    out(JSON.stringify({ project: stack.project, ok: !failed, results }, null, 2));
    return failed ? 1 : 0;
  }
  out(
    formatTable([
      ['VOLUME', 'CHECK', 'RESULT', 'DETAIL'],
      ...results.map((r) => [r.volume ?? '-', r.check, MARK[r.status], terminalLine(r.message)]),
    ]),
  );
  const hints = [...new Set(results.filter((r) => r.status === 'fail' && r.hint).map((r) => r.hint))];
  const counts = (s: CheckRow['status']) => results.filter((r) => r.status === s).length;
  out('');
  out(
    `${counts('pass')} passed, ${counts('warn')} warnings, ${counts('fail')} failed, ${counts('skip')} skipped`,
  );
  for (const hint of hints) out(terminalLine(`fix: ${hint}`));
  return failed ? 1 : 0;
}
