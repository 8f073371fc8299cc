import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '@phoenix-hydra/backup';
import { lockDir, type Stack } from '@phoenix-hydra/core';
import {
  NGINX_CONF_D,
  type NginxTestResult,
  nginxRunAs,
  readUserNamespace,
  testNginxConfig,
} from '@phoenix-hydra/diagnostics';
import {
  deployNginxConfig,
  invalidConfigError,
  nginxConfigVolume,
  nginxImage,
  requireLiveVolume,
  sourceOf,
  stageAndTestOnMachine,
  stageConfig,
  testOnMachine,
} from '@phoenix-hydra/operations/nginx';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { type CommandIO, openStack } from '../context.ts';
import { raiseEvent } from '../event-log.ts';
import { printableName } from '../printable-name.ts';
import type { StackOptions } from '../stack-options.ts';

export interface NginxTestOptions extends StackOptions, CommandIO {
  /** A file or directory to test; the live configuration when absent. */
  source?: string;
  json?: boolean;
}

export interface NginxDeployOptions extends StackOptions, CommandIO {
  source: string;
  reload?: boolean;
  healthPath?: string;
  json?: boolean;
}

/**
 * `phoenix-volumes nginx test [FILE|DIR]`: `nginx -t` in a throwaway container of the nginx service's
 * image, on the live configuration or on a staged copy with FILE|DIR in it. Exit 0 valid, 1 invalid.
 */
export async function nginxTestCommand(options: NginxTestOptions): Promise<number> {
  const { stack, podman, out } = await openStack(options);
  const spec = nginxConfigVolume(stack);
  const image = nginxImage(stack, spec);
  if ((await podman.remote()).remote) return nginxTestOnMachine(options, stack, podman, out);
  const selinux = (await readUserNamespace({ podman })).selinuxEnabled && spec.selinux !== 'none';
  const runAs = await nginxRunAs(stack, spec, { selinux });
  let result: NginxTestResult;
  if (options.source === undefined) {
    result = await testNginxConfig(podman, image, spec.hostPath, { selinux, runAs });
  } else {
    const scratch = await mkdtemp(join(tmpdir(), 'phoenix-nginx-test-'));
    try {
      const staging = join(scratch, 'conf.d');
      await stageConfig({ live: spec.hostPath, source: options.source, staging });
      result = await testNginxConfig(podman, image, staging, { selinux, runAs });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  const what = options.source ?? spec.hostPath;
  if (options.json) {
    out(JSON.stringify({ project: stack.project, tested: what, image, ...result }, null, 2));
    return result.ok ? 0 : 1;
  }
  if (!result.ok) {
    const source = options.source;
    const isDir = source !== undefined && (await stat(source)).isDirectory();
    throw invalidConfigError(result, what, (p) =>
      source === undefined ? p.replace(`${NGINX_CONF_D}/`, `${spec.hostPath}/`) : sourceOf(p, source, isDir),
    );
  }
  out(result.output);
  out(`${what}: valid for ${image}${runAs.user === undefined ? '' : ` as ${runAs.user}`}`);
  return 0;
}

/**
 * `nginx test` through a remote podman (podman machine), where the files are on the machine: the live
 * configuration is tested through its named volume; FILE|DIR is staged into a temporary volume on the
 * machine (a single file completed from the live files), tested there, and the volume removed.
 */
async function nginxTestOnMachine(
  options: NginxTestOptions,
  stack: Stack,
  podman: Podman,
  out: (line: string) => void,
): Promise<number> {
  const spec = nginxConfigVolume(stack);
  const image = nginxImage(stack, spec);
  const source = options.source;
  let tested: { test: NginxTestResult; user: string | undefined; isDirectory?: boolean };
  if (source === undefined) {
    const live = `${stack.project}_${spec.name}`;
    await requireLiveVolume(podman, live);
    tested = await testOnMachine(stack, podman, live);
  } else {
    const staging = `${stack.project}_phoenix-nginx-test-${randomBytes(4).toString('hex')}`;
    const scratch = await mkdtemp(join(tmpdir(), 'phoenix-nginx-test-'));
    try {
      tested = await stageAndTestOnMachine(stack, podman, {
        source,
        staging,
        scratch,
        step: () => undefined,
        recover: false,
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
      await podman.volumeRm(staging, { force: true }).catch(() => undefined);
    }
  }
  const { test: result, user } = tested;
  const what = source ?? spec.hostPath;
  if (options.json) {
    out(JSON.stringify({ project: stack.project, tested: what, image, ...result }, null, 2));
    return result.ok ? 0 : 1;
  }
  if (!result.ok) {
    throw invalidConfigError(result, what, (p) =>
      source === undefined
        ? p.replace(`${NGINX_CONF_D}/`, `${spec.hostPath}/`)
        : sourceOf(p, source, tested.isDirectory === true),
    );
  }
  out(result.output);
  out(`${what}: valid for ${image}${user === undefined ? '' : ` as ${user}`}`);
  return 0;
}

/**
 * `phoenix-volumes nginx deploy FILE|DIR [--reload]`: stage, `nginx -t`, swap into the volume, and with
 * --reload reload and health-check each running nginx, rolling back on any failure.
 */
export async function nginxDeployCommand(options: NginxDeployOptions): Promise<void> {
  const { stack, podman, out, err } = await openStack(options);
  const lock = await acquireLock(join(lockDir(stack.project), 'nginx-deploy'), { operation: 'nginx deploy' });
  if (lock.tookOver) {
    const { pid, startedAt } = lock.tookOver;
    err(`an earlier nginx deploy (pid ${pid}, started ${startedAt}) was killed; checking what it left`);
  }
  try {
    const report = await deployNginxConfig(stack, podman, {
      source: options.source,
      reload: options.reload === true,
      ...(options.healthPath === undefined ? {} : { healthPath: options.healthPath }),
      onStep: (step) => err(step),
    });
    await raiseEvent({
      type: 'config.changed',
      project: stack.project,
      volume: report.volume,
      files: report.files,
      valid: true,
      message: `deployed ${options.source}${options.reload ? ' and reloaded nginx' : ''}`,
    });
    if (options.json) {
      out(JSON.stringify({ project: stack.project, ...report }, null, 2));
      return;
    }
    out(
      `deployed ${options.source} into ${report.live} (${report.files.map(printableName).join(', ')}); the previous files are in ${report.previous}`,
    );
    for (const r of report.reloads) {
      const http = r.http ? `, GET ${r.http.url} → ${r.http.status}` : '';
      out(
        `reloaded ${r.container}: new workers ${r.newWorkers === null ? 'not checked' : 'started'}, running${http}`,
      );
    }
    if (!options.reload)
      out('not reloaded: run again with --reload, or podman exec <nginx container> nginx -s reload');
    else if (report.reloads.length === 0)
      out('no nginx container is running: the new configuration applies when it starts');
  } finally {
    await lock.release();
  }
}
