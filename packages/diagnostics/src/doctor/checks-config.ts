import { join } from 'node:path';
import { formatMode, formatOwner } from '@phoenix-hydra/core';
import { nginxRunAs, runAsHint } from '../nginx/test-config.ts';
import { isNginxConfig } from '../observe.ts';
import { type SetupAction, seedDefaultConfAction } from '../plan-setup.ts';
import { probeImage } from '../probe-volume.ts';
import { permits, setupFix } from './checks-volumes.ts';
import { type Finding, finding } from './finding.ts';
import { parseNginxTest, parseSelinuxLabel } from './parse-outputs.ts';
import type { DoctorCheck } from './run-doctor.ts';

const CONF_DIR = '/etc/nginx/conf.d';

const defaultConf: DoctorCheck = {
  id: 'PHX-NGINX-001',
  title: 'nginx default.conf is missing or unreadable',
  severity: 'error',
  why: 'the volume hides the image’s own conf.d: without a readable default.conf nginx starts with no server and answers nothing',
  async run(ctx) {
    const { volumes } = await ctx.observation();
    return volumes.flatMap((v) => {
      if (!isNginxConfig(v.spec) || v.dir?.type !== 'directory') return [];
      const path = join(v.spec.hostPath, 'default.conf');
      const file = v.defaultConf ?? null;
      if (file === null) {
        const action = seedDefaultConfAction(ctx.stack, v.spec);
        return [
          finding(this, {
            volume: v.spec.name,
            message: `${path} is missing`,
            evidence: { path },
            hint: 'phoenix-volumes setup   # writes a starter default.conf, never overwriting one',
            fix: setupFix(ctx, [action]),
          }),
        ];
      }
      const seen = `${formatMode(file.mode)} ${file.owner.uid ?? 'unmapped'}:${file.owner.gid ?? 'unmapped'}`;
      if (file.type === 'file' && permits(file, v.spec.owner, 0o4)) return [];
      const evidence = {
        path,
        type: file.type,
        mode: formatMode(file.mode),
        owner: seen,
        reader: formatOwner(v.spec.owner),
      };
      if (file.type !== 'file') {
        return [
          finding(this, {
            volume: v.spec.name,
            message: `${path} is a ${file.type}, not a file`,
            evidence,
            hint: `podman unshare mv ${path} ${path}.old && phoenix-volumes setup`,
          }),
        ];
      }
      const action: SetupAction = {
        type: 'chmod',
        volume: v.spec.name,
        path,
        mode: 0o644,
        describe: `chmod 0644 ${path} (now ${formatMode(file.mode)}) via podman unshare`,
      };
      return [
        finding(this, {
          volume: v.spec.name,
          message: `${path} (mode ${seen}) cannot be read by ${formatOwner(v.spec.owner)}`,
          evidence,
          hint: `podman unshare chmod 0644 ${path}`,
          fix: setupFix(ctx, [action]),
        }),
      ];
    });
  },
};

const nginxSyntax: DoctorCheck = {
  id: 'PHX-NGINX-002',
  title: 'nginx configuration has errors',
  severity: 'error',
  why: 'nginx refuses to start (or to reload) with a configuration `nginx -t` rejects',
  async run(ctx) {
    const { volumes } = await ctx.observation();
    const { selinuxEnabled } = await ctx.namespace();
    const targets = volumes.filter((v) => isNginxConfig(v.spec) && v.defaultConf?.type === 'file');
    const found = await Promise.all(
      targets.map(async (v): Promise<Finding[]> => {
        const image = probeImage(ctx.stack, v.spec);
        if (!image || !(await ctx.imageExists(image))) {
          const message = `not checked: ${image ? `image ${image} is not present locally` : 'no service image'}`;
          return [finding(this, { volume: v.spec.name, severity: 'info', status: 'skip', message })];
        }
        // As the service runs: its declared user (ports below 1024, the pid file) and its log volume.
        const runAs = await nginxRunAs(ctx.stack, v.spec, { selinux: selinuxEnabled });
        const result = await ctx.run(image, ['-t'], {
          entrypoint: 'nginx',
          ...(runAs.user === undefined ? {} : { user: runAs.user }),
          mounts: [
            { source: v.spec.hostPath, target: CONF_DIR, options: ['ro', ...(selinuxEnabled ? ['z'] : [])] },
            ...runAs.mounts,
          ],
        });
        if (result.exitCode === 0) return [];
        const output = `${result.stderr}${result.stdout}`.trim();
        const messages = parseNginxTest(output).filter((m) => m.level !== 'warn');
        const first = messages[0];
        const onHost = (file: string | null) =>
          file?.startsWith(`${CONF_DIR}/`) ? join(v.spec.hostPath, file.slice(CONF_DIR.length + 1)) : file;
        const file = onHost(first?.file ?? null);
        const where = file === null ? '' : ` in ${file}${first?.line == null ? '' : `:${first.line}`}`;
        return [
          finding(this, {
            volume: v.spec.name,
            message: `nginx -t: ${first?.message ?? output.split('\n')[0] ?? `exit code ${result.exitCode}`}${where}`,
            evidence: {
              image,
              file,
              line: first?.line ?? null,
              message: first?.message ?? null,
              output,
            },
            hint:
              runAsHint(output) ??
              `fix ${file ?? 'the configuration'}${first?.line == null ? '' : ` at line ${first.line}`}, then test it: phoenix-volumes nginx test`,
          }),
        ];
      }),
    );
    return found.flat();
  },
};

const selinuxLabel: DoctorCheck = {
  id: 'PHX-SELINUX-001',
  title: 'SELinux label does not let containers use the volume',
  severity: 'error',
  why: 'with SELinux enforcing, a container may only touch files labelled container_file_t: anything else is "Permission denied" whatever the owner and mode',
  async run(ctx) {
    const { selinuxEnabled } = await ctx.namespace();
    if (!selinuxEnabled) return [];
    const { volumes } = await ctx.observation();
    const labelled = volumes.filter((v) => v.spec.selinux !== 'none' && v.dir?.type === 'directory');
    const found = await Promise.all(
      labelled.map(async (v) => {
        const ls = await ctx.unshare(['ls', '-dZ', '--', v.spec.hostPath]);
        const label = parseSelinuxLabel(ls.stdout);
        if (ls.exitCode !== 0 || label === null || label.type === 'container_file_t') return [];
        const action: SetupAction = {
          type: 'relabel',
          volume: v.spec.name,
          path: v.spec.hostPath,
          describe: `label ${v.spec.hostPath} container_file_t (now ${label.type})`,
        };
        return [
          finding(this, {
            volume: v.spec.name,
            message: `${v.spec.hostPath} is labelled ${label.label}, not container_file_t`,
            evidence: {
              path: v.spec.hostPath,
              label: label.label,
              type: label.type,
              expected: 'container_file_t',
            },
            hint: `podman unshare chcon -R -t container_file_t ${v.spec.hostPath}`,
            fix: setupFix(ctx, [action]),
          }),
        ];
      }),
    );
    return found.flat();
  },
};

/** nginx's configuration volume and the SELinux labels of every volume. */
export const configChecks: readonly DoctorCheck[] = [defaultConf, nginxSyntax, selinuxLabel];
