import { type CheckResult, checkVolumes, hasFailure, observeStack } from '@phoenix-hydra/diagnostics';
import { type CommandIO, openStack } from '../context.ts';
import { formatTable } from '../format-table.ts';
import type { StackOptions } from '../stack-options.ts';

export interface CheckCommandOptions extends StackOptions, CommandIO {
  json?: boolean;
  probe?: boolean;
  probeImage?: string;
}

const MARK: Record<CheckResult['status'], string> = { pass: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** `phoenix-volumes check`: proves each volume works for its container user; exit 1 when any check fails. */
export async function checkCommand(options: CheckCommandOptions): Promise<number> {
  const { stack, podman, out } = await openStack(options);
  const observation = await observeStack(stack, podman);
  const results = await checkVolumes(observation, podman, {
    probe: options.probe !== false,
    probeImage: options.probeImage,
  });
  const failed = hasFailure(results);
  if (options.json) {
    out(JSON.stringify({ project: stack.project, ok: !failed, results }, null, 2));
    return failed ? 1 : 0;
  }
  out(
    formatTable([
      ['VOLUME', 'CHECK', 'RESULT', 'DETAIL'],
      ...results.map((r) => [r.volume ?? '-', r.check, MARK[r.status], r.message]),
    ]),
  );
  const hints = [...new Set(results.filter((r) => r.status === 'fail' && r.hint).map((r) => r.hint))];
  const counts = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  out('');
  out(
    `${counts('pass')} passed, ${counts('warn')} warnings, ${counts('fail')} failed, ${counts('skip')} skipped`,
  );
  for (const hint of hints) out(`fix: ${hint}`);
  return failed ? 1 : 0;
}
