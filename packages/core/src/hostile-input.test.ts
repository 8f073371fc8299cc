import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPhoenixError } from '@phoenix-hydra/errors';
import { describe, expect, it } from 'vitest';
import { tempProject } from '../test/temp-project.ts';
import { parseCompose, readCompose } from './read-compose.ts';
import { resolveStack } from './resolve-stack.ts';

const HOME = '/home/ana';

/** The error a promise or call rejects with, required to be a one-line exit-2 PhoenixError. */
async function refusal(run: () => unknown) {
  const started = performance.now();
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  const elapsed = performance.now() - started;
  if (!isPhoenixError(caught)) throw new Error(`expected a PhoenixError, got ${String(caught)}`);
  expect(caught.exitCode).toBe(2);
  expect(caught.message).not.toContain('\n');
  expect(caught.message.length).toBeLessThan(400);
  expect(caught.hint).toBeTruthy();
  expect(elapsed).toBeLessThan(1000);
  return caught;
}

const db = (volume: string) =>
  `services:\n  db:\n    image: postgres:16\n    volumes:\n      - ${volume}:/var/lib/postgresql/data\n`;

describe('hostile compose files are refused with exit 2, one line, in under a second', () => {
  it('a FIFO as compose file or .env does not hang', async () => {
    const dir = await tempProject({});
    execFileSync('mkfifo', [join(dir, 'compose.yaml')]);
    const error = await refusal(() => readCompose(join(dir, 'compose.yaml'), {}));
    expect(error.message).toBe(`compose file ${join(dir, 'compose.yaml')} is a FIFO, not a regular file`);
    const other = await tempProject({ 'compose.yaml': `${db('data')}volumes:\n  data:\n` });
    execFileSync('mkfifo', [join(other, '.env')]);
    const env = await refusal(() => resolveStack({ cwd: other, env: { HOME } }));
    expect(env.message).toMatch(/\.env is a FIFO/);
  });

  it('a device, a directory, a huge file and UTF-16 text are named, not read or echoed', async () => {
    expect((await refusal(() => readCompose('/dev/urandom', {}))).message).toMatch(/character device/);
    const dir = await tempProject({});
    expect((await refusal(() => readCompose(dir, {}))).message).toMatch(/is a directory/);
    await writeFile(join(dir, 'big.yaml'), Buffer.alloc(9 * 1024 * 1024, 0x20));
    expect((await refusal(() => readCompose(join(dir, 'big.yaml'), {}))).message).toMatch(/more than/);
    const utf16 = Buffer.from(`\uFEFF${db('data')}volumes:\n  data:\n`, 'utf16le');
    await writeFile(join(dir, 'utf16.yaml'), utf16);
    const error = await refusal(() => readCompose(join(dir, 'utf16.yaml'), {}));
    expect(error.message).toBe(
      `compose file ${join(dir, 'utf16.yaml')} is UTF-16 (or binary), not UTF-8 text`,
    );
  });

  it.each([
    ['an alias bomb', laughs(), /^\/p\/c\.yaml:\d+:\d+: aliases expand to too many nodes/],
    [
      'a recursive alias',
      'x-loop: &a [*a]\n',
      /^\/p\/c\.yaml:1:\d+: alias \*a refers to a node that contains it/,
    ],
    ['deep flow nesting', `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /nesting deeper than 64 levels/],
    ['deep block nesting', nestedBlocks(300), /nesting deeper than 64 levels/],
    ['a duplicate key', 'services: {}\nservices: {}\n', /^\/p\/c\.yaml:2:1: duplicate key "services"/],
    ['an undefined alias', 'services: *nope\n', /^\/p\/c\.yaml:1:\d+: Unresolved alias/],
    [
      'a NUL in an image name',
      `${db('data').replace('postgres:16', '"post\\0gres"')}volumes:\n  data:\n`,
      /services\.db\.image: contains a NUL character/,
    ],
    [
      'a 300-character volume name',
      `${db('v'.repeat(300))}volumes:\n  ${'v'.repeat(300)}:\n`,
      /volume name is 300 characters long/,
    ],
  ])('%s', async (_name, text, message) => {
    const error = await refusal(() => parseCompose(text, '/p/c.yaml', {}));
    expect(error.message).toMatch(message);
  });

  it('a device path longer than PATH_MAX is refused', async () => {
    const device = `/data/${'d/'.repeat(2100)}x`;
    const cwd = await tempProject({
      'compose.yaml': `${db('data')}volumes:\n  data:\n    x-phoenix: { external: true }\n    driver_opts: { type: none, o: bind, device: ${device} }\n`,
    });
    const error = await refusal(() => resolveStack({ cwd, env: { HOME } }));
    expect(error.message).toMatch(/volume data: host path is 4207 bytes/);
  });
});

describe('config on a large stack', () => {
  // Measured: about 0.3 s on an idle 2-core machine; the bound leaves room for a loaded CI runner, and the
  // quadratic overlap check this guards against took 45 s.
  it('resolves 2,000 services and volumes in linear time (the overlap check is not quadratic)', async () => {
    const cwd = await tempProject({ 'compose.yaml': manyServices(2000) });
    await resolveStack({ cwd, env: { HOME } });
    const started = process.cpuUsage();
    const { stack } = await resolveStack({ cwd, env: { HOME } });
    const used = process.cpuUsage(started);
    expect(stack.volumes).toHaveLength(2000);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });
});

describe('anchors used many times', () => {
  it('accepts 2,000 services that share one anchor (a common x-logging block)', async () => {
    const text = manyServices(2000).replace(
      'services:\n',
      'x-logging: &logging { driver: json-file }\nservices:\n',
    );
    const withAlias = text.replaceAll(
      '    image: docker.io/library/nginx:1.25\n',
      '    image: docker.io/library/nginx:1.25\n    logging: *logging\n',
    );
    const model = parseCompose(withAlias, '/p/c.yaml', {});
    expect(model.services).toHaveLength(2000);
  });

  it('refuses a large anchor repeated until the document would expand past the limit', async () => {
    const items = Array.from({ length: 5000 }, (_, index) => `"item-${index}"`).join(',');
    const text = `x-big: &big [${items}]\nx-uses: [${Array(300).fill('*big').join(',')}]\n`;
    const error = await refusal(() => parseCompose(text, '/p/c.yaml', {}));
    expect(error.message).toMatch(/^\/p\/c\.yaml:2:\d+: aliases expand to too many nodes/);
  });
});

/** A "billion laughs" document: each level repeats the previous one nine times. */
function laughs(): string {
  const lines = ['x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 8; level += 1) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    lines.push(`x-${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

function nestedBlocks(depth: number): string {
  return Array.from({ length: depth }, (_, level) => `${' '.repeat(level)}k:`).join('\n');
}

/** A compose file with `count` services, each mounting its own volume; the shape of a large real stack. */
export function manyServices(count: number): string {
  const lines = ['services:'];
  for (let index = 0; index < count; index += 1) {
    lines.push(
      `  svc${index}:`,
      '    image: docker.io/library/nginx:1.25',
      `    user: "${1000 + index}:1000"`,
    );
    lines.push('    volumes:', `      - vol${index}:/srv/data:Z`, '      - ./conf:/etc/conf:ro');
  }
  lines.push('volumes:');
  for (let index = 0; index < count; index += 1)
    lines.push(`  vol${index}:`, '    x-phoenix: { mode: "0750" }');
  return `${lines.join('\n')}\n`;
}
