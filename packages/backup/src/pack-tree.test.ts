import { mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tempDir } from '../test/helpers.ts';
import { TreePacker } from './pack-tree.ts';
import { BLOCK } from './tar-format.ts';

/** Packs one 512-byte block at a time, running `pauses[n]` once n blocks are written. */
async function pack(root: string, pauses: Record<number, () => Promise<void>>): Promise<Buffer> {
  const packer = new TreePacker(root);
  const blocks: Buffer[] = [];
  while (!packer.done) {
    const block = Buffer.alloc(BLOCK);
    blocks.push(block.subarray(0, packer.fill(block)));
    await pauses[blocks.length]?.();
  }
  return Buffer.concat(blocks);
}

describe('TreePacker', () => {
  it('leaves out a file that vanishes while the tree is read, listing it as skipped', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'a'));
    await writeFile(join(root, 'a/first'), 'one\n');
    await writeFile(join(root, 'a/second'), 'two\n');
    const packer = new TreePacker(root);
    const block = Buffer.alloc(64 * BLOCK);
    packer.fill(block.subarray(0, 2 * BLOCK)); // ./ and ./a/: a's listing is read
    await rm(join(root, 'a/second'));
    while (!packer.done) packer.fill(block);
    expect(packer.skipped).toEqual(['a/second']);
    expect(packer.entries).toBe(3);
  });

  it('pads a file that shrinks while it is read, and cuts one that grows, so the archive stays valid', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'shrinks'), 'x'.repeat(3000));
    await writeFile(join(root, 'z-grows'), 'y'.repeat(100));
    // Blocks: 1 ./, 2 shrinks' header, 3-8 its content, 9 z-grows' header, 10 its content.
    const archive = await pack(root, {
      2: () => truncate(join(root, 'shrinks'), 1000),
      9: () => writeFile(join(root, 'z-grows'), 'y'.repeat(5000)),
    });
    const file = join(await tempDir(), 'a.tar');
    await writeFile(file, archive);
    expect(run('tar', ['-tvf', file])).toMatch(/ 3000 .* \.\/shrinks\n.* 100 .* \.\/z-grows/);
    const out = await tempDir();
    run('tar', ['-xf', file, '-C', out]);
    expect(await readFile(join(out, 'shrinks'), 'latin1')).toBe(`${'x'.repeat(1000)}${'\0'.repeat(2000)}`);
    expect(await readFile(join(out, 'z-grows'), 'latin1')).toBe('y'.repeat(100));
  });
});

describe('TreePacker when the tree it reads is removed', () => {
  it.each([true, false])(
    'fails when a directory it has listed is removed before it was read to the end (chdir: %s)',
    async (chdir) => {
      const root = await tempDir();
      await mkdir(join(root, 'a'));
      for (const name of ['first', 'second', 'third']) await writeFile(join(root, 'a', name), `${name}\n`);
      await writeFile(join(root, 'z'), 'z\n');
      const packer = new TreePacker(root, { chdir });
      const block = Buffer.alloc(64 * BLOCK);
      packer.fill(block.subarray(0, 2 * BLOCK)); // ./ and ./a/: a's listing is read
      await rm(join(root, 'a'), { recursive: true });
      expect(() => {
        while (!packer.done) packer.fill(block);
      }).toThrow(/a was removed or replaced while it was backed up/);
      packer.close();
    },
  );

  it('fails when the volume directory itself is removed while it is read', async () => {
    const root = join(await tempDir(), 'volume');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'sub/file'), 'x'.repeat(3000));
    await writeFile(join(root, 'top'), 'top\n');
    const packer = new TreePacker(root);
    const block = Buffer.alloc(BLOCK);
    packer.fill(block); // ./
    await rm(root, { recursive: true });
    expect(() => {
      while (!packer.done) packer.fill(block);
    }).toThrow(/volume was removed or replaced while it was backed up/);
    packer.close();
  });
});

describe('TreePacker looking entries up from inside their directory', () => {
  it('writes the same archive as absolute lookups and leaves the working directory where it was', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'a/b'), { recursive: true });
    await writeFile(join(root, 'a/b/deep'), 'deep\n');
    await writeFile(join(root, 'a/one'), 'x'.repeat(2000));
    await writeFile(join(root, 'top'), 'top\n');
    const before = process.cwd();
    const packAll = (chdir: boolean) => {
      const packer = new TreePacker(root, { chdir });
      const blocks: Buffer[] = [];
      while (!packer.done) {
        const block = Buffer.alloc(BLOCK); // one block at a time: lookups span many fill calls
        blocks.push(block.subarray(0, packer.fill(block)));
        expect(process.cwd()).toBe(before);
      }
      return Buffer.concat(blocks);
    };
    const relative = packAll(true);
    expect(relative.equals(packAll(false))).toBe(true);
    const file = join(await tempDir(), 'a.tar');
    await writeFile(file, relative);
    expect(run('tar', ['-tf', file]).split('\n').filter(Boolean)).toEqual([
      './',
      './a/',
      './a/b/',
      './a/b/deep',
      './a/one',
      './top',
    ]);
  });

  it('fails, reading nothing through it, when a directory is swapped for a symlink while the tree is read', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, 'secret'), 'not part of the volume\n');
    await mkdir(join(root, 'logs'));
    await writeFile(join(root, 'logs/secret'), 'mine\n');
    const packer = new TreePacker(root);
    const block = Buffer.alloc(64 * BLOCK);
    packer.fill(block.subarray(0, 2 * BLOCK)); // ./ and ./logs/: the listing of logs is read
    await rm(join(root, 'logs'), { recursive: true });
    await symlink(outside, join(root, 'logs'));
    const rest: Buffer[] = [];
    expect(() => {
      while (!packer.done) rest.push(Buffer.from(block.subarray(0, packer.fill(block))));
    }).toThrow(/logs was removed or replaced while it was backed up/);
    expect(Buffer.concat(rest).includes('not part of the volume')).toBe(false);
  });
});
