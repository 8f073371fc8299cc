import { dirname, resolve } from 'node:path';
import {
  expandHome,
  formatPath,
  isPhoenixError,
  locate,
  oneLine,
  PhoenixError,
  parseYaml,
  readInputFile,
  resticLocation,
  type YamlSource,
} from '@phoenix-hydra/core';
import type { z } from 'zod';
import { type AgentConfig, agentConfigSchema } from './schema.ts';

/** A config file larger than this is not one anybody wrote. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Where the agent looks for its configuration unless --config says otherwise. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? '/';
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : resolve(home, '.config');
  return resolve(base, 'phoenix-volumes', 'agent.yaml');
}

function configError(source: YamlSource, error: z.ZodError): PhoenixError {
  const [issue] = error.issues;
  const path = [...(issue?.path ?? [])];
  if (issue?.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
  const { line, col } = locate(source, path);
  const at = formatPath(path);
  const more = error.issues.length - 1;
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '';
  const message = `${source.file}:${line}:${col}: ${at === '' ? '' : `${at}: `}${issue?.message ?? 'invalid value'}${suffix}`;
  return new PhoenixError('CONFIG_INVALID', oneLine(message), {
    hint: `fix ${at || 'the file'} in ${source.file} (the commented example: apps/agent/phoenix-volumes-agent.example.yaml)`,
    details: { file: source.file, line, column: col, path: at },
  });
}

/** Resolves `~` and paths relative to the config file's directory, as users expect of a file they wrote. */
function resolvePaths(config: AgentConfig, dir: string, home: string): AgentConfig {
  const fix = (path: string | undefined) =>
    path === undefined ? undefined : resolve(dir, expandHome(path, home));
  const { compose, baseDir, project } = config.stack;
  return {
    ...config,
    stack: {
      ...(project === undefined ? {} : { project }),
      ...(compose === undefined ? {} : { compose: fix(compose) }),
      ...(baseDir === undefined ? {} : { baseDir: fix(baseDir) }),
    },
    backup: {
      ...config.backup,
      ...(config.backup.dir === undefined ? {} : { dir: fix(config.backup.dir) }),
    },
    ...(config.offsite === undefined
      ? {}
      : {
          offsite: {
            ...config.offsite,
            ...(config.offsite.repo === undefined
              ? {}
              : { repo: resticLocation(config.offsite.repo, dir, home) }),
            ...(config.offsite.passwordFile === undefined
              ? {}
              : { passwordFile: fix(config.offsite.passwordFile) }),
          },
        }),
  } as AgentConfig;
}

/** Parses and validates YAML text; errors are CONFIG_INVALID with `file:line:col: path: message`. */
export function parseConfig(file: string, text: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let parsed: ReturnType<typeof parseYaml>;
  try {
    parsed = parseYaml(file, text);
  } catch (error) {
    if (!isPhoenixError(error)) throw error;
    throw new PhoenixError('CONFIG_INVALID', error.message, {
      hint: error.hint,
      details: error.details,
      cause: error,
    });
  }
  const result = agentConfigSchema.safeParse(parsed.data ?? {});
  if (!result.success) throw configError(parsed.source, result.error);
  for (const hook of result.data.hooks) {
    const secretEnv = hook.webhook?.secretEnv;
    if (secretEnv !== undefined && !env[secretEnv]) {
      const index = result.data.hooks.indexOf(hook);
      const { line, col } = locate(parsed.source, ['hooks', index, 'webhook', 'secretEnv']);
      throw new PhoenixError(
        'CONFIG_INVALID',
        `${file}:${line}:${col}: hooks[${index}].webhook.secretEnv: environment variable ${secretEnv} is not set`,
        { hint: `set ${secretEnv} in the agent's environment (systemd: Environment= or EnvironmentFile=)` },
      );
    }
  }
  return resolvePaths(result.data, dirname(file), env.HOME ?? '/');
}

/** Reads the config file; a missing file at the default path means all defaults, elsewhere it is an error. */
export async function loadConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ config: AgentConfig; file: string | null }> {
  const path = resolve(file ?? defaultConfigPath(env));
  const text = await readInputFile(path, {
    what: 'config file',
    maxBytes: MAX_CONFIG_BYTES,
    code: 'CONFIG_INVALID',
    allowMissing: file === undefined,
    hint: 'pass an existing file with --config (the commented example: phoenix-volumes-agent.example.yaml)',
  });
  if (text === undefined) return { config: parseConfig(path, '', env), file: null };
  return { config: parseConfig(path, text, env), file: path };
}

/**
 * Refuses volume names in `backup.volumes` and `thresholds.maxUsed` that the stack does not have, at
 * their line, as the jobs would at run time; `file` null (defaults) names none.
 */
export async function checkVolumeNames(file: string | null, config: AgentConfig, volumes: string[]) {
  const known = new Set(volumes);
  const unknown: [PropertyKey[], string][] = [
    ...(config.backup.volumes ?? []).map((name, index): [PropertyKey[], string] => [
      ['backup', 'volumes', index],
      name,
    ]),
    ...Object.keys(config.thresholds.maxUsed).map((name): [PropertyKey[], string] => [
      ['thresholds', 'maxUsed', name],
      name,
    ]),
  ].filter(([, name]) => !known.has(name));
  if (unknown.length === 0 || file === null) return;
  const text = await readInputFile(file, {
    what: 'config file',
    maxBytes: MAX_CONFIG_BYTES,
    code: 'CONFIG_INVALID',
  });
  const { source } = parseYaml(file, text);
  // A default the file does not mention (maxUsed.logs) is not the user's mistake.
  const [path, name] = unknown.find(([at]) => source.doc.hasIn(at)) ?? [];
  if (path === undefined) return;
  const { line, col } = locate(source, path);
  throw new PhoenixError(
    'CONFIG_INVALID',
    `${file}:${line}:${col}: ${formatPath(path)}: the stack has no volume "${name}"`,
    {
      hint: `use one of ${volumes.join(', ') || '(none)'} in ${file}`,
      details: { file, line, column: col, path: formatPath(path) },
    },
  );
}
