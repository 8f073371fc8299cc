import { dirname } from 'node:path';
import { resolveStack } from '@phoenix-hydra/core';
import { shownRepo } from '@phoenix-hydra/offsite';
import { checkVolumeNames, loadConfig } from '../config/load-config.ts';
import type { AgentConfig } from '../config/schema.ts';
import { formatDuration } from '../config/units.ts';
import { redactUrl } from '../hooks/webhook-target.ts';
import { offsiteTarget } from '../offsite/offsite-target.ts';

/** The config as it may be printed: webhook URLs without their passwords and query values. */
function printable(config: AgentConfig): AgentConfig {
  const hooks = config.hooks.map((hook) =>
    hook.webhook ? { ...hook, webhook: { ...hook.webhook, url: redactUrl(hook.webhook.url) } } : hook,
  );
  const offsite = config.offsite?.repo
    ? { ...config.offsite, repo: shownRepo(config.offsite.repo) }
    : config.offsite;
  return { ...config, hooks, ...(offsite ? { offsite } : {}) };
}

/** `phoenix-volumes-agent check-config`: validates the file and prints what the agent would watch and when. */
export async function checkConfigCommand(options: {
  config?: string | undefined;
  json?: boolean | undefined;
  out?: (line: string) => void;
}): Promise<void> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { config, file } = await loadConfig(options.config);
  const { stack } = await resolveStack({
    cwd: file ? dirname(file) : process.cwd(),
    composeFile: config.stack.compose,
    project: config.stack.project,
    baseDir: config.stack.baseDir,
  });
  const names = stack.volumes.map((volume) => volume.name);
  await checkVolumeNames(file, config, names);
  const target = await offsiteTarget(config, stack, process.env);
  if (options.json) {
    const shown = printable(config);
    out(JSON.stringify({ file, config: shown, project: stack.project, volumes: stack.volumes }, null, 2));
    return;
  }
  out(`${file ?? 'no config file: defaults'} is valid.`);
  out(`project ${stack.project}: ${stack.volumes.map((v) => `${v.name} (${v.hostPath})`).join(', ')}`);
  for (const job of ['backup', 'verify', 'prune', 'checks'] as const) {
    const { schedule, jitter } = config[job];
    out(
      `${job.padEnd(7)} ${schedule === null ? 'off' : `"${schedule}" + up to ${formatDuration(jitter)} jitter`}`,
    );
  }
  const offsite = config.offsite;
  out(
    `offsite ${
      offsite === undefined || target === null
        ? 'off'
        : `${target.shown}: ${[
            offsite.schedule === null
              ? ''
              : `"${offsite.schedule}" + up to ${formatDuration(offsite.jitter)} jitter`,
            offsite.afterBackup ? 'after each backup' : '',
          ]
            .filter(Boolean)
            .join(', ')}`
    }`,
  );
  out(
    `metrics http://${config.metrics.listen}/metrics, /healthz fails past ${formatDuration(config.backup.maxAge)} without a backup`,
  );
  out(
    `hooks   ${config.hooks.map((h) => `${h.name} (${h.command ? 'command' : 'webhook'}: ${h.events.join(',')})`).join('; ') || 'none'}`,
  );
}
