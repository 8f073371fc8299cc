import type { Podman } from '@phoenix-hydra/podman-adapter';
import { type NginxMessage, parseNginxTest } from '../doctor/parse-outputs.ts';

/** Where nginx's image reads server blocks from; the config volume is mounted there. */
export const NGINX_CONF_D = '/etc/nginx/conf.d';

/** What `nginx -t` said about a configuration directory. */
export interface NginxTestResult {
  ok: boolean;
  exitCode: number;
  /** nginx's own output (it writes to stderr). */
  output: string;
  messages: NginxMessage[];
}

/**
 * Runs `nginx -t` in a throwaway container of `image` (the nginx service's own), with `confDir` mounted
 * read-only on /etc/nginx/conf.d and no network. The shared SELinux label (z) keeps the files readable
 * by the real container once they are swapped in.
 */
export async function testNginxConfig(
  podman: Podman,
  image: string,
  confDir: string,
  options: { selinux?: boolean } = {},
): Promise<NginxTestResult> {
  const result = await podman.run(image, ['nginx', '-t'], {
    mounts: [{ source: confDir, target: NGINX_CONF_D, options: ['ro', ...(options.selinux ? ['z'] : [])] }],
    timeoutMs: 60_000,
  });
  const output = `${result.stderr}${result.stdout}`.trim();
  return { ok: result.exitCode === 0, exitCode: result.exitCode, output, messages: parseNginxTest(output) };
}
