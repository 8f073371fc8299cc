// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../../tooling/fuzz/mutate.ts';
import { tempProject } from '../test/temp-project.ts';
import { parseDotenv } from './read-dotenv.ts';
import { resolveStack } from './resolve-stack.ts';

// Seeded and bounded: FUZZ_SEED replays a run, FUZZ_RUNS makes it longer (CI: the defaults, ~10 s).
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_125);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

const design = readFileSync(
  new URL('../test/fixtures/original-design.compose.yaml', import.meta.url),
  'utf8',
);
const fixtures = [
  design,
  [
    'name: app',
    'x-phoenix: { baseDir: /srv/app }',
    'x-env: &env { TZ: UTC }',
    'services:',
    '  web:',
    '    image: ${IMAGE:-nginx}:${TAG-1.25}',
    '    user: "101:101"',
    '    environment: *env',
    '    entrypoint: ["sh", "-c", \'exec "$@"\']',
    '    volumes:',
    '      - type: volume',
    '        source: web_data',
    '        target: /usr/share/nginx/html',
    '        read_only: true',
    '      - ./conf:/etc/nginx/conf.d:ro,z',
    'volumes:',
    '  web_data:',
    '    x-phoenix: { kind: data, mode: "0750", owner: "101:101", backup: archive }',
    '',
  ].join('\n'),
];
const dotenvFixture =
  'POSTGRES_PASSWORD=secret\nexport TAG=\'1.25\'\nHASH="$2y$05$abc\\n"\nBARE\nJSON=${X:-{}}\n';

describe('fuzz: mutated compose files and .env', () => {
  it(`${RUNS} mutations of the fixtures: each resolves or is refused with exit 2, one line, under 2 s`, async () => {
    const dir = await tempProject({});
    const { problems, refused } = await fuzz({
      seed: SEED,
      runs: RUNS,
      fixtures,
      parse: async (text, run) => {
        const file = join(dir, `${run % 7}`, 'compose.yaml');
        await mkdir(join(dir, `${run % 7}`), { recursive: true });
        await writeFile(file, text);
        await resolveStack({ cwd: dir, composeFile: file, env: { HOME: '/home/ana' } });
      },
    });
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThan(RUNS / 10);
  }, 120_000);

  it(`${RUNS} mutations of a .env: parsed or refused with exit 2, one line`, async () => {
    const { problems } = await fuzz({
      seed: SEED + 1,
      runs: RUNS,
      fixtures: [dotenvFixture],
      parse: (text) => parseDotenv(text, '/p/.env', { X: 'x' }),
    });
    expect(problems).toEqual([]);
  });
});
