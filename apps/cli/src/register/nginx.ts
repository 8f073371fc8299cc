import type { Command } from 'commander';
import { addStackOptions } from '../stack-options.ts';

/** Registers `phoenix-volumes nginx test|deploy`. */
export function registerNginx(program: Command, setExitCode: (code: number) => void): void {
  const nginx = program
    .command('nginx')
    .summary("test and safely deploy nginx's configuration volume")
    .description(
      'The nginx configuration volume (mounted on /etc/nginx/conf.d): test a configuration with nginx -t in a ' +
        "throwaway container of the service's image, or deploy it with validation, an atomic swap, reload, " +
        'health check and automatic rollback.',
    );
  addStackOptions(
    nginx
      .command('test')
      .argument(
        '[path]',
        'a .conf file (replacing or joining the live files) or a directory; default: the live configuration',
      )
      .description('run nginx -t on the configuration, in a throwaway container. Exit 0 valid, 1 invalid.')
      .option('--json', "print nginx's verdict as JSON on stdout"),
  ).action(async (source: string | undefined, options) => {
    const { nginxTestCommand } = await import('../commands/nginx.ts');
    setExitCode(await nginxTestCommand({ ...options, ...(source === undefined ? {} : { source }) }));
  });
  addStackOptions(
    nginx
      .command('deploy')
      .argument(
        '<path>',
        'a .conf file (replaces the one of the same name, or joins) or a directory (replaces all)',
      )
      .description(
        'stage the configuration beside the volume, validate it with nginx -t in a throwaway container (a bad ' +
          'one never reaches the volume), swap it into the volume keeping the replaced files in ' +
          '<volume>.previous-<time>, and with --reload reload each running nginx and check it started new ' +
          'workers, still runs and answers on its published port. Any failure after the swap rolls back.',
      )
      .option('--reload', 'reload the running nginx containers and health-check them (rolls back on failure)')
      .option(
        '--health-path <path>',
        'path requested on the published port after the reload; any status below 500 passes',
        '/',
      )
      .option('--json', 'print what was deployed as JSON on stdout'),
  ).action(async (source: string, options) => {
    const { nginxDeployCommand } = await import('../commands/nginx.ts');
    await nginxDeployCommand({ ...options, source });
  });
}
