import { stat } from 'node:fs/promises';
import type { Stack, VolumeSpec } from '@phoenix-hydra/core';
import type { Podman, ProbeMount } from '@phoenix-hydra/podman-adapter';
import { NGINX_SIGNATURES } from '../doctor/log-signatures/nginx.ts';
import { matchSignature } from '../doctor/log-signatures/signature.ts';
import { type NginxMessage, parseNginxTest } from '../doctor/parse-outputs.ts';
import { volumeService } from '../probe-volume.ts';

/** Where nginx's image reads server blocks from; the config volume is mounted there. */
export const NGINX_CONF_D = '/etc/nginx/conf.d';

/** What `nginx -t` said about a configuration directory. */
export interface NginxTestResult {
  ok: boolean;
  exitCode: number;
  /** nginx's own output (it writes to stderr). */
  output: string;
  messages: NginxMessage[];
  /** The fix when nginx failed because of the user it runs as (a port below 1024, a root-owned pid file). */
  hint?: string;
}

/** How the nginx service runs, for a throwaway `nginx -t` that meets what the real container meets. */
interface NginxRunAs {
  /** The service's declared `user:` ("101:101"); absent when the image decides (root). */
  user?: string;
  /** The service's other volumes where they exist (its log directory, which nginx opens as that user). */
  mounts: ProbeMount[];
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * The nginx service's declared user and its other volume mounts: `nginx -t` as root passes where the
 * service, as 101:101, cannot bind port 80 or write the image's pid file, and as 101:101 without the
 * service's log volume it fails where the service does not.
 */
export async function nginxRunAs(
  stack: Stack,
  spec: VolumeSpec,
  options: { selinux?: boolean } = {},
): Promise<NginxRunAs> {
  const service = volumeService(stack, spec);
  const mounts: ProbeMount[] = [];
  for (const mount of service?.mounts ?? []) {
    const volume = stack.volumes.find((v) => v.name === mount.volume);
    if (mount.volume === spec.name || !volume || !(await isDirectory(volume.hostPath))) continue;
    const relabel = options.selinux && volume.selinux !== 'none' ? ['z'] : [];
    mounts.push({
      source: volume.hostPath,
      target: mount.target,
      options: [...(mount.readOnly ? ['ro'] : []), ...relabel],
    });
  }
  const user = service?.user;
  // A user given by name (user: nginx) runs as that name: podman resolves it in the image, as compose does.
  if (user === undefined)
    return service?.userName === undefined ? { mounts } : { user: service.userName, mounts };
  return { user: user.gid === undefined ? String(user.uid) : `${user.uid}:${user.gid}`, mounts };
}

// The failures that come from the user nginx runs as, not from the files: their catalogue hints name the fix.
const RUN_AS_SIGNATURES = NGINX_SIGNATURES.filter(
  (s) => s.id === 'PHX-LOG-NGINX-001' || s.id === 'PHX-LOG-NGINX-002',
);

/** The catalogue's fix for an `nginx -t` output that failed on the user it ran as; undefined otherwise. */
export function runAsHint(output: string): string | undefined {
  return matchSignature(output.split('\n'), RUN_AS_SIGNATURES)?.signature.hint;
}

/**
 * Runs `nginx -t` in a throwaway container of `image` (the nginx service's own), with `confDir` mounted
 * read-only on /etc/nginx/conf.d and no network; with `runAs` (see nginxRunAs) as the service's user with
 * its other volumes, so a privileged port or an unwritable pid file fails here, before it is live. The
 * shared SELinux label (z) keeps the files readable by the real container once they are swapped in.
 */
export async function testNginxConfig(
  podman: Podman,
  image: string,
  confDir: string,
  options: { selinux?: boolean; runAs?: NginxRunAs } = {},
): Promise<NginxTestResult> {
  const conf = { source: confDir, target: NGINX_CONF_D, options: ['ro', ...(options.selinux ? ['z'] : [])] };
  const result = await podman.run(image, ['nginx', '-t'], {
    mounts: [conf, ...(options.runAs?.mounts ?? [])],
    ...(options.runAs?.user === undefined ? {} : { user: options.runAs.user }),
    timeoutMs: 60_000,
  });
  const output = `${result.stderr}${result.stdout}`.trim();
  const ok = result.exitCode === 0;
  const hint = ok ? undefined : runAsHint(output);
  return {
    ok,
    exitCode: result.exitCode,
    output,
    messages: parseNginxTest(output),
    ...(hint === undefined ? {} : { hint }),
  };
}
