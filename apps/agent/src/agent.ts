import { dirname } from 'node:path';
import { defaultBackupDir, eventLogPath, PhoenixError, resolveStack } from '@phoenix-hydra/core';
import { isNginxConfig, readUserNamespace } from '@phoenix-hydra/diagnostics';
import { createPodman } from '@phoenix-hydra/podman-adapter';
import pkg from '../package.json' with { type: 'json' };
import type { AgentConfig } from './config/schema.ts';
import type { AgentContext } from './context.ts';
import { createEventBus } from './events/event-bus.ts';
import { createHookDispatcher } from './hooks/dispatch-hooks.ts';
import { backupJob } from './jobs/backup-job.ts';
import { backupHealth, readBackupStatus, setBackupMetrics } from './jobs/backup-status.ts';
import { checkJob } from './jobs/check-job.ts';
import { pruneJob, verifyJob } from './jobs/maintenance-jobs.ts';
import { Scheduler } from './jobs/scheduler.ts';
import type { Logger } from './logger.ts';
import { createAgentMetrics } from './metrics/agent-metrics.ts';
import { startHttpServer } from './metrics/http-server.ts';
import { EventLogTail } from './monitors/event-log-tail.ts';
import { NginxConfigMonitor } from './monitors/nginx-config-monitor.ts';
import { PodmanEventsMonitor } from './monitors/podman-events-monitor.ts';
import { VolumeMonitor } from './monitors/volume-monitor.ts';
import { offsiteJob, readLastOffsite } from './offsite/offsite-job.ts';
import { offsiteTarget } from './offsite/offsite-target.ts';

/** How long queued hook deliveries may still run at shutdown. */
const HOOK_DRAIN_MS = 5000;

/** What the agent starts from: its validated config, where it came from, the environment and the log. */
export interface StartAgentOptions {
  config: AgentConfig;
  /** The config file, whose directory relative stack paths resolved against; null: defaults only. */
  configFile: string | null;
  env?: NodeJS.ProcessEnv;
  log: Logger;
}

/** A running agent. */
export interface RunningAgent {
  context: AgentContext;
  /** Where /metrics and /healthz are served. */
  url: string;
  /** Stops scheduling, lets a running backup finish within `backup.shutdownGrace` (then aborts it), closes everything. */
  stop(): Promise<void>;
}

function selectBackupVolumes(config: AgentConfig, stack: AgentContext['stack']): string[] {
  if (config.backup.volumes === undefined) {
    return stack.volumes.filter((v) => v.backup !== 'none').map((v) => v.name);
  }
  for (const name of config.backup.volumes) {
    if (!stack.volumes.some((v) => v.name === name)) {
      throw new PhoenixError(
        'CONFIG_INVALID',
        `backup.volumes: no volume "${name}" in stack ${stack.project}`,
        {
          hint: `use one of: ${stack.volumes.map((v) => v.name).join(', ')}`,
        },
      );
    }
  }
  return [...config.backup.volumes];
}

/** Resolves the stack, starts the monitors, the schedule and the HTTP endpoint. */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const { config, log } = options;
  const env = options.env ?? process.env;
  const { stack, warnings } = await resolveStack({
    cwd: options.configFile ? dirname(options.configFile) : process.cwd(),
    composeFile: config.stack.compose,
    project: config.stack.project,
    baseDir: config.stack.baseDir,
    env,
  });
  for (const warning of warnings) log.warn({ project: stack.project }, warning);
  const metrics = createAgentMetrics();
  const bus = createEventBus(log);
  const hooks = createHookDispatcher(config.hooks, {
    log,
    metrics,
    env,
    userAgent: `phoenix-volumes-agent/${pkg.version}`,
  });
  const backupDir = config.backup.dir ?? defaultBackupDir(env);
  const context: AgentContext = {
    stack,
    config,
    podman: createPodman(),
    bus,
    metrics,
    log,
    backupDir,
    backupVolumes: selectBackupVolumes(config, stack),
    backups: { volumes: new Map(), newestDurationSeconds: null },
    async refreshBackups() {
      try {
        context.backups = await readBackupStatus(backupDir, stack.project);
        setBackupMetrics(metrics, stack.project, context.backups);
      } catch (error) {
        log.warn({ err: error, backupDir }, 'cannot read the backup directory');
      }
    },
  };
  bus.subscribe((event) => {
    metrics.events.inc({ type: event.type });
    hooks.deliver(event);
    // A backup or restore made by `phoenix-volumes` (forwarded from its event log) changes the directory too.
    if (event.type === 'backup.completed' || event.type === 'restore.completed')
      void context.refreshBackups();
  });
  await context.refreshBackups();

  const http = await startHttpServer(config.metrics.listen, metrics.registry, () => ({
    ...backupHealth(context.backups, context.backupVolumes, config.backup.maxAge, Date.now()),
    project: stack.project,
    maxAgeSeconds: config.backup.maxAge / 1000,
  }));

  const nginxVolume = stack.volumes.find(isNginxConfig);
  const { selinuxEnabled } = await readUserNamespace().catch(() => ({ selinuxEnabled: false }));
  const nginx = nginxVolume
    ? new NginxConfigMonitor({
        stack,
        volume: nginxVolume,
        podman: context.podman,
        bus,
        log,
        debounceMs: config.monitor.configDebounce,
        validate: config.monitor.validateConfig,
        selinux: selinuxEnabled,
      })
    : null;
  const volumes = new VolumeMonitor({ stack, config, bus, metrics, log }, (volume, path) => {
    if (volume.name === nginxVolume?.name) nginx?.changed(path);
  });
  await volumes.start();
  const events = config.monitor.podmanEvents
    ? new PodmanEventsMonitor({ stack, podman: context.podman, bus, log })
    : null;
  await events?.start();
  const tail = config.monitor.eventLog
    ? new EventLogTail({ path: eventLogPath(env), project: stack.project, bus, log, pollMs: 1000 })
    : null;
  await tail?.start();

  const scheduler = new Scheduler(log);
  const checks = checkJob(context);
  const target = await offsiteTarget(config, stack, env);
  const offsite = target ? offsiteJob(context, target) : null;
  const afterBackup = offsite && config.offsite?.afterBackup ? () => scheduler.trigger(offsite) : undefined;
  for (const job of [backupJob(context, afterBackup), verifyJob(context), pruneJob(context), checks])
    scheduler.add(job);
  if (offsite && target) {
    scheduler.add(offsite);
    void readLastOffsite(context, target);
  }
  if (config.checks.atStart) scheduler.trigger(checks);

  log.info(
    { project: stack.project, url: http.url, volumes: stack.volumes.map((v) => v.name), backupDir },
    `watching ${stack.project}; metrics on ${http.url}/metrics`,
  );
  let stopping: Promise<void> | null = null;
  return {
    context,
    url: http.url,
    stop() {
      stopping ??= (async () => {
        log.info({ running: scheduler.busy }, 'stopping');
        await scheduler.stop(config.backup.shutdownGrace);
        volumes.stop();
        await Promise.all([nginx?.stop(), events?.stop(), tail?.stop()]);
        await hooks.close(HOOK_DRAIN_MS);
        await http.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
