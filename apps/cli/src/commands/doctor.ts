import { PhoenixError } from '@phoenix-hydra/core';
import {
  applyFixes,
  CATALOGUE,
  createDoctorContext,
  DOCTOR_CHECKS,
  type DoctorReport,
  type Finding,
  fixable,
  hasError,
  runDoctor,
  SEVERITY_ORDER,
} from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { askOnTerminal } from '../confirm.ts';
import { type CommandIO, openStack } from '../context.ts';
import { terminalLine } from '../printable-name.ts';
import type { StackOptions } from '../stack-options.ts';

export interface DoctorCommandOptions extends StackOptions, CommandIO {
  json?: boolean;
  fix?: boolean;
  yes?: boolean;
  /** Run only these check ids (repeatable `--check`). */
  check?: string[];
  backupDir?: string;
  /** Environment read for PHOENIX_SUBUID_FILE, PHOENIX_SUBGID_FILE, PHOENIX_BACKUP_DIR, XDG_STATE_HOME. */
  env?: NodeJS.ProcessEnv;
  /** Print the catalogue of every id doctor can report (checks, service states, log signatures) and exit. */
  list?: boolean;
  /** Asks before fixing; defaults to a terminal prompt. */
  confirm?: (question: string) => Promise<string>;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : /[sx]$/.test(word) ? 'es' : 's'}`;
}

/** The summary line: counts by severity, checks passed, time taken. */
export function summaryLine(report: DoctorReport): string {
  const count = (s: Finding['severity']) => report.findings.filter((f) => f.severity === s).length;
  const seconds = (report.durationMs / 1000).toFixed(1);
  return `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info; ${report.passed.length} of ${DOCTOR_CHECKS.length} checks found nothing (${seconds} s)`;
}

/** The human report: findings grouped by severity, each with its evidence, why and fix (`canFix`: which --fix applies). */
export function formatReport(report: DoctorReport, options: { canFix?: boolean } = {}): string[] {
  const canFix = options.canFix ?? true;
  const lines: string[] = [];
  for (const severity of SEVERITY_ORDER) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push(`${severity.toUpperCase()} (${group.length})`);
    for (const f of group) {
      lines.push(`  ${f.check}  ${f.volume ? `${f.volume}: ` : ''}${f.title}`);
      lines.push(`    ${f.message}`);
      if (f.status !== 'skip') lines.push(`    why: ${f.why}`);
      if (f.hint) lines.push(`    fix: ${f.hint}${f.fix && canFix ? '   (doctor --fix does this)' : ''}`);
    }
    lines.push('');
  }
  lines.push(summaryLine(report));
  // Findings quote what containers wrote (log lines, file names in their volumes).
  return lines.map(terminalLine);
}

function toJson(report: DoctorReport) {
  return { ok: !hasError(report), summary: summaryLine(report), ...report };
}

async function examine(
  options: DoctorCommandOptions,
  stack: Parameters<typeof createDoctorContext>[0],
  podman: Podman,
) {
  const ctx = createDoctorContext(stack, podman, {
    env: options.env ?? process.env,
    ...(options.backupDir === undefined ? {} : { backupDir: options.backupDir }),
  });
  const report = await runDoctor(ctx, DOCTOR_CHECKS, { only: options.check });
  return (await podman.remote()).remote ? overHelpers(report) : report;
}

/** Through a remote podman the same fixes run in helper containers on the machine: their words say so. */
function overHelpers<R extends { findings: Finding[] }>(report: R): R {
  for (const f of report.findings) {
    if (f.fix)
      f.fix = {
        ...f.fix,
        describe: f.fix.describe.replaceAll('via podman unshare', 'in a helper container'),
      };
  }
  return report;
}

/** The catalogue as `doctor --list` prints it: id, severity, whether --fix repairs it, title; then why and fix. */
export function formatCatalogue(): string[] {
  return CATALOGUE.flatMap((e) => [
    `${e.id.padEnd(18)} ${e.severity.padEnd(7)} ${e.fixable ? 'fix' : '   '}  ${e.title}`,
    `${' '.repeat(30)}why: ${e.why}`,
    ...(e.pattern ? [`${' '.repeat(30)}log: /${e.pattern}/`] : []),
    ...(e.hint ? [`${' '.repeat(30)}fix: ${e.hint}`] : []),
  ]);
}

/** `phoenix-volumes doctor`: finds what is wrong, explains it, and with --fix repairs what is safe; exit 1 on errors. */
export async function doctorCommand(options: DoctorCommandOptions): Promise<number> {
  if (options.list) {
    const stdout = options.stdout ?? process.stdout;
    const out = (line: string) => stdout.write(`${line}\n`);
    if (options.json) out(JSON.stringify(CATALOGUE, null, 2));
    else for (const line of formatCatalogue()) out(line);
    return 0;
  }
  const { stack, podman, out, err } = await openStack(options);
  const unknown = (options.check ?? []).filter((id) => !DOCTOR_CHECKS.some((c) => c.id === id.toUpperCase()));
  if (unknown.length > 0) {
    throw new PhoenixError('USAGE', `unknown check ${unknown.join(', ')}`, {
      hint: `known checks: ${DOCTOR_CHECKS.map((c) => c.id).join(', ')}`,
    });
  }
  const report = await examine(options, stack, podman);
  const todo = fixable(report.findings);
  if (!options.json) {
    out(
      `phoenix-volumes doctor: ${stack.project} (${stack.volumes.length} volumes under ${stack.baseDir})\n`,
    );
    for (const line of formatReport(report)) out(line);
  }
  if (!options.fix || todo.length === 0) {
    if (options.json) out(JSON.stringify({ project: stack.project, ...toJson(report) }, null, 2));
    else {
      if (todo.length > 0)
        out(`doctor --fix can apply ${plural(todo.length, 'fix')}: phoenix-volumes doctor --fix`);
      else if (options.fix) out('Nothing here doctor can fix on its own; follow the fix lines above.');
    }
    return hasError(report) ? 1 : 0;
  }
  const say = options.json ? err : out;
  say(`${options.json ? '' : '\n'}doctor --fix will:`);
  todo.forEach((f, i) => {
    say(`  ${String(i + 1).padStart(2)}. [${f.check}] ${f.fix.describe}`);
  });
  if (!options.yes) {
    const answer = await (options.confirm ?? askOnTerminal)(`Apply ${plural(todo.length, 'fix')}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new PhoenixError('ABORTED', 'doctor --fix aborted: nothing was changed');
    }
  }
  const outcomes = await applyFixes(podman, report.findings, (f, i, n) =>
    err(`[${i + 1}/${n}] ${f.fix?.describe}`),
  );
  for (const o of outcomes.filter((x) => !x.ok)) err(`fix failed: [${o.check}] ${o.describe}: ${o.error}`);
  const after = await examine(options, stack, podman);
  if (options.json) {
    out(
      JSON.stringify(
        { project: stack.project, before: toJson(report), fixes: outcomes, ...toJson(after) },
        null,
        2,
      ),
    );
  } else {
    const applied = outcomes.filter((o) => o.ok).length;
    out(`\nApplied ${applied} of ${plural(outcomes.length, 'fix')}. Checking again:\n`);
    for (const line of formatReport(after)) out(line);
  }
  return hasError(after) ? 1 : 0;
}
