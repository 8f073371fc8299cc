// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose ${VAR} syntax is the subject under test
import { describe, expect, it } from 'vitest';
import { interpolateValues } from './interpolate-values.ts';
import { parseYaml } from './yaml-source.ts';

function run(text: string, env: Record<string, string> = {}) {
  const { data, source } = parseYaml('/p/c.yaml', text);
  return { raw: data as Record<string, unknown>, ...interpolateValues(data, env, source) };
}

describe('interpolateValues', () => {
  it('copies only the mappings whose values change, keeping key order and "__proto__" as a plain key', () => {
    const { raw, data } = run('a: {z: 1, __proto__: {p: $X}, m: "${Y:-d}", b: 2}\nc: {d: 1}\n', { X: 'x' });
    const out = data as Record<string, Record<string, unknown>>;
    expect(JSON.stringify(out)).toBe('{"a":{"z":1,"__proto__":{"p":"x"},"m":"d","b":2},"c":{"d":1}}');
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
    expect(Object.hasOwn(out.a as object, '__proto__')).toBe(true);
    expect(out.c).toBe(raw.c); // unchanged: the same object
    expect(JSON.stringify(raw.a)).toBe('{"z":1,"__proto__":{"p":"$X"},"m":"${Y:-d}","b":2}'); // the input is left alone
  });

  it('interpolates a shared anchor at each place it is used, and reports each use of an unset variable', () => {
    const { data, unset } = run('x: &x {v: $$U, w: $UNSET}\na: *x\nb: [*x]\n');
    expect(JSON.stringify(data)).toBe(
      '{"x":{"v":"$U","w":""},"a":{"v":"$U","w":""},"b":[{"v":"$U","w":""}]}',
    );
    expect(unset.map(({ path }) => path.join('.'))).toEqual(['x.w', 'a.w', 'b.0.w']);
  });
});
