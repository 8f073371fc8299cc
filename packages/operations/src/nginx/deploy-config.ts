import { access, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PhoenixError, type Stack, type VolumeSpec } from '@phoenix-hydra/core';
import {
  checkHttp,
  findVolumeContainers,
  type HttpCheck,
  isNginxConfig,
  NGINX_CONF_D,
  type NginxTestResult,
  nginxRunAs,
  nginxWorkers,
  observeStack,
  probeImage,
  publishedUrl,
  readUserNamespace,
  testNginxConfig,
  waitForNewWorkers,
} from '@phoenix-hydra/diagnostics';
import type { Podman } from '@phoenix-hydra/podman-adapter';
import { needsUserNamespace } from '@phoenix-hydra/podman-adapter/user-namespace';
import { runInUserNamespace } from '../userns/run-in-namespace.ts';
import { refusalReason } from './refusal-reason.ts';
import { stageConfig } from './stage-config.ts';
import { swapJournalPath } from './swap-contents.ts';

/** Options of a deployment. */
export interface DeployOptions {
  /** The new configuration: a file (replaces or adds itself) or a directory (replaces everything). */
  source: string;
  /** Reload the running nginx containers and check them; without it the new files wait for the next start. */
  reload: boolean;
  /** Path requested on the published port after a reload (default "/"); any answer below 500 is healthy. */
  healthPath?: string;
  /** How long the HTTP check retries after a reload (default 5 s). */
  healthTimeoutMs?: number;
  now?: Date;
  onStep?: (step: string) => void;
}

/** One container's state after a reload. */
export interface ReloadCheck {
  container: string;
  reloaded: boolean;
  newWorkers: boolean | null;
  running: boolean;
  http: HttpCheck | null;
  problem: string | null;
}

/** What a deployment did. */
export interface DeployReport {
  volume: string;
  live: string;
  files: string[];
  test: NginxTestResult;
  /** Where the replaced configuration was kept. */
  previous: string;
  reloads: ReloadCheck[];
}

/** `nginx deploy` failed after the swap and the previous configuration was put back. */
export interface RolledBack {
  reason: string;
  failed: ReloadCheck[];
  /** Where the refused configuration was kept for inspection. */
  keptAt: string;
  restored: ReloadCheck[];
}

/** The stack's nginx configuration volume (mounted on /etc/nginx/conf.d); USAGE when there is none. */
export function nginxConfigVolume(stack: Stack): VolumeSpec {
  const spec = stack.volumes.find(isNginxConfig);
  if (!spec) {
    throw new PhoenixError('USAGE', `stack ${stack.project} has no volume mounted on /etc/nginx/conf.d`, {
      hint: `volumes: ${stack.volumes.map((v) => `${v.name} (${v.containerPath})`).join(', ') || 'none'}`,
    });
  }
  return spec;
}

/** The nginx service's image, which validates the configuration exactly as the real container will read it. */
export function nginxImage(stack: Stack, spec: VolumeSpec): string {
  const image = probeImage(stack, spec);
  if (!image) {
    throw new PhoenixError('USAGE', `no service that mounts ${spec.name} names an image to test nginx with`, {
      hint: 'give the nginx service an image: in the compose file',
    });
  }
  return image;
}

/** A name part from a time: 20261125T201530123Z, sortable and unique enough per project lock. */
export function timeTag(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

/** Where a file nginx names under /etc/nginx/conf.d came from: the deployed file, or the file in the deployed directory. */
export function sourceOf(containerPath: string, source: string, sourceIsDir: boolean): string {
  const prefix = `${NGINX_CONF_D}/`;
  if (!containerPath.startsWith(prefix)) return containerPath;
  const rel = containerPath.slice(prefix.length);
  if (sourceIsDir) return join(source, rel);
  return rel === basename(source) ? source : containerPath;
}

/**
 * CHECK_FAILED carrying nginx's own message, with the file it names translated back to the user's
 * (`map`): the configuration never reached the live volume.
 */
export function invalidConfigError(
  test: NginxTestResult,
  what: string,
  map: (containerPath: string) => string = (p) => p,
): PhoenixError {
  const first = test.messages.find((m) => m.level === 'emerg' || m.level === 'alert' || m.level === 'crit');
  const said = first
    ? `${first.message}${first.file ? ` in ${map(first.file)}:${first.line}` : ''}`
    : test.output.split('\n').at(-1);
  return new PhoenixError('CHECK_FAILED', `nginx -t rejected ${what}: ${said}`, {
    hint: test.hint
      ? `${test.hint}; the live configuration is unchanged`
      : 'fix the file and run phoenix-volumes nginx test FILE|DIR until it passes; the live configuration is unchanged',
    details: { nginx: test.output, messages: test.messages },
  });
}

/** How many replaced (`.previous-*`) and refused (`.failed-*`) configurations are kept beside the volume. */
export const KEEP_OLD_CONFIGS = 3;

async function removeTree(podman: Podman, path: string): Promise<void> {
  if (needsUserNamespace()) await podman.unshare.rmrf(path);
  else await rm(path, { recursive: true, force: true });
}

/** Removes all but the newest KEEP_OLD_CONFIGS `.previous-*` and `.failed-*` directories of a volume (callers hold the deploy lock). */
async function pruneOldConfigs(podman: Podman, live: string): Promise<void> {
  const names = await readdir(dirname(live));
  for (const kind of ['previous', 'failed']) {
    const prefix = `${basename(live)}.${kind}-`;
    const old = names
      .filter((n) => n.startsWith(prefix))
      .sort()
      .reverse()
      .slice(KEEP_OLD_CONFIGS);
    for (const name of old) await removeTree(podman, join(dirname(live), name));
  }
}

/**
 * What a killed deployment left, put right before a new one starts (callers hold the deploy lock): a swap
 * cut short is finished or undone from its journal (recoverSwap), and `.staging-*` copies are removed.
 * Each thing done is told through `step`.
 */
export async function repairInterruptedDeploy(
  podman: Podman,
  live: string,
  step: (line: string) => void,
): Promise<void> {
  const journal = await access(swapJournalPath(live)).then(
    () => true,
    () => false,
  );
  if (journal) for (const line of await runInUserNamespace(podman, 'recoverSwap', { live })) step(line);
  const prefix = `${basename(live)}.staging-`;
  for (const name of (await readdir(dirname(live))).filter((n) => n.startsWith(prefix))) {
    step(`removing ${join(dirname(live), name)}, left by an interrupted deploy`);
    await removeTree(podman, join(dirname(live), name));
  }
}

async function reloadAndCheck(
  podman: Podman,
  container: string,
  options: { healthPath: string; timeoutMs: number },
): Promise<ReloadCheck> {
  const before = await nginxWorkers(podman, container);
  const logTail = await podman.logs(container, { tail: 50 }).catch(() => []);
  const check: ReloadCheck = {
    container,
    reloaded: false,
    newWorkers: null,
    running: true,
    http: null,
    problem: null,
  };
  const reload = await podman.execText(container, ['nginx', '-s', 'reload'], {
    reject: false,
    timeoutMs: 30_000,
  });
  check.reloaded = reload.exitCode === 0;
  if (!check.reloaded) {
    check.problem = `nginx -s reload failed: ${reload.stderr.trim() || `exit code ${reload.exitCode}`}`;
    return check;
  }
  if (before !== null) {
    check.newWorkers = await waitForNewWorkers(podman, container, before);
    if (!check.newWorkers) {
      const said = await refusalReason(podman, container, logTail);
      check.problem = `nginx kept its old workers: the master refused the new configuration${said === null ? '' : `: ${said}`}`;
    }
  }
  const info = await podman.inspectContainer(container);
  check.running = info?.running === true;
  if (!check.running) {
    check.problem = `container ${container} is no longer running`;
    return check;
  }
  const base = await publishedUrl(podman, container);
  if (base !== null) {
    check.http = await checkHttp(`${base}${options.healthPath}`, options.timeoutMs);
    if (!check.http.ok && check.problem === null) {
      check.problem = `GET ${check.http.url} ${check.http.status === null ? `failed: ${check.http.error}` : `answered ${check.http.status}`}`;
    }
  } else if (check.problem === null) {
    const test = await podman.execText(container, ['nginx', '-t'], { reject: false });
    if (test.exitCode !== 0) check.problem = `nginx -t in ${container} failed: ${test.stderr.trim()}`;
  }
  return check;
}

/**
 * Deploys an nginx configuration safely: stages it beside the volume, validates it with `nginx -t` in a
 * throwaway container of the service's image (a bad configuration never reaches the volume), swaps the
 * volume's content (the bind-mounted directory stays), and with `reload` reloads each running nginx and
 * checks it started new workers, still runs and answers HTTP on its published port. If any of that fails
 * the previous configuration is swapped back and reloaded; the CHECK_FAILED error's `rolledBack` says why.
 */
export async function deployNginxConfig(
  stack: Stack,
  podman: Podman,
  options: DeployOptions,
): Promise<DeployReport> {
  if ((await podman.remote()).remote) {
    // The volume's files are on the machine (podman machine): helpers work through the named volume.
    const { deployThroughHelper } = await import('./deploy-remote.ts');
    return deployThroughHelper(stack, podman, options);
  }
  const spec = nginxConfigVolume(stack);
  const image = nginxImage(stack, spec);
  const step = options.onStep ?? (() => undefined);
  const tag = timeTag(options.now ?? new Date());
  const staging = `${spec.hostPath}.staging-${tag}`;
  const previous = `${spec.hostPath}.previous-${tag}`;
  const namespace = await readUserNamespace();
  await repairInterruptedDeploy(podman, spec.hostPath, step);

  step(`staging ${options.source} in ${staging}`);
  const files = await stageConfig({ live: spec.hostPath, source: options.source, staging }).catch((error) => {
    // The live files are unreadable to this user (subuid-owned, 0600): stage as namespace root.
    if ((error as NodeJS.ErrnoException).code !== 'EACCES' || !needsUserNamespace()) throw error;
    return runInUserNamespace(podman, 'stage', { live: spec.hostPath, source: options.source, staging });
  });
  let test: NginxTestResult;
  try {
    const selinux = namespace.selinuxEnabled && spec.selinux !== 'none';
    const runAs = await nginxRunAs(stack, spec, { selinux });
    const as = runAs.user === undefined ? '' : ` as ${runAs.user}, the service's user`;
    step(`testing it with nginx -t in a throwaway ${image} container${as}`);
    test = await testNginxConfig(podman, image, staging, { selinux, runAs });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  if (!test.ok) {
    await rm(staging, { recursive: true, force: true });
    const isDir = (await stat(options.source)).isDirectory();
    throw invalidConfigError(test, options.source, (p) => sourceOf(p, options.source, isDir));
  }

  const observation = await observeStack(stack, podman, namespace);
  const users = (await findVolumeContainers(podman, observation)).get(spec.name) ?? [];
  const running = users.filter((c) => c.running).map((c) => c.container);
  step(`swapping it into ${spec.hostPath} (the replaced files go to ${previous})`);
  await runInUserNamespace(podman, 'swap', {
    live: spec.hostPath,
    incoming: staging,
    saveTo: previous,
    owner: spec.owner,
  });

  await pruneOldConfigs(podman, spec.hostPath);

  const report: DeployReport = { volume: spec.name, live: spec.hostPath, files, test, previous, reloads: [] };
  const keptAt = `${spec.hostPath}.failed-${tag}`;
  const swapBack = () =>
    runInUserNamespace(podman, 'swap', {
      live: spec.hostPath,
      incoming: previous,
      saveTo: keptAt,
      owner: null,
    });
  return reloadOrRollBack(podman, report, running, options, { keptAt, swapBack });
}

/**
 * With `reload`, reloads nginx in each running container and checks it; when any check fails, `swapBack`
 * puts the previous configuration back (the refused one goes to `keptAt`), nginx is reloaded again and
 * CHECK_FAILED says why, with `rolledBack` in its details. Shared by the local and the remote deploy.
 */
export async function reloadOrRollBack(
  podman: Podman,
  report: DeployReport,
  running: readonly string[],
  options: DeployOptions,
  back: { keptAt: string; swapBack: () => Promise<unknown> },
): Promise<DeployReport> {
  if (!options.reload) return report;
  const step = options.onStep ?? (() => undefined);
  const check = { healthPath: options.healthPath ?? '/', timeoutMs: options.healthTimeoutMs ?? 5_000 };
  for (const container of running) {
    step(`reloading nginx in ${container}`);
    report.reloads.push(await reloadAndCheck(podman, container, check));
  }
  const failed = report.reloads.filter((r) => r.problem !== null);
  if (failed.length === 0) return report;

  const { keptAt } = back;
  step(`rolling back: ${failed.map((f) => f.problem).join('; ')}`);
  await back.swapBack();
  const restored: ReloadCheck[] = [];
  for (const container of running) restored.push(await reloadAndCheck(podman, container, check));
  const rollback: RolledBack = {
    reason: failed.map((f) => `${f.container}: ${f.problem}`).join('; '),
    failed,
    keptAt,
    restored,
  };
  const broken = restored.filter((r) => r.problem !== null);
  throw new PhoenixError(
    'CHECK_FAILED',
    broken.length === 0
      ? `the new configuration failed after the swap (${rollback.reason}); rolled back to the previous one, which is live again`
      : `the new configuration failed after the swap (${rollback.reason}) and the rollback did not bring nginx back: ${broken.map((b) => b.problem).join('; ')}`,
    {
      hint:
        broken.length === 0
          ? `the refused configuration is kept in ${keptAt}; fix it and deploy again`
          : `podman-compose up -d --force-recreate nginx; the refused configuration is in ${keptAt}`,
      details: { rolledBack: rollback, report: { ...report, previous: null } },
    },
  );
}
