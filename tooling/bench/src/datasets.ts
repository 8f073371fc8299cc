import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePostgresDataset } from './postgres-dataset.ts';
import { makeSmallFilesDataset } from './small-files-dataset.ts';
import { treeSize } from './tree-size.ts';

/** A directory the benchmark archives, with what `du --apparent-size` and a file count say about it. */
export interface Dataset {
  name: string;
  description: string;
  path: string;
  bytes: number;
  files: number;
}

interface Recipe {
  name: string;
  description: string;
  build: (dest: string, log: (line: string) => void) => void;
}

/** The datasets of each mode; a recipe's name is its cache key (change the name when the recipe changes). */
export function recipes(short: boolean): Recipe[] {
  const scale = short ? 1 : 30;
  const files = short ? 2000 : 30000;
  return [
    {
      name: `pg-s${scale}`,
      description: `PostgreSQL 15 data directory after pgbench -i -s ${scale}`,
      build: (dest, log) => makePostgresDataset(dest, scale, log),
    },
    {
      name: `small-${files}`,
      description: `${files.toLocaleString('en-US')} small log files`,
      build: (dest) => makeSmallFilesDataset(dest, files),
    },
  ];
}

/**
 * Returns the datasets, building each once into `dataDir` (git-ignored). A dataset counts as built
 * only when its `<name>.json` exists, written after the tree is complete, so an interrupted build is
 * redone.
 */
export function ensureDatasets(dataDir: string, short: boolean, log: (line: string) => void): Dataset[] {
  mkdirSync(dataDir, { recursive: true });
  return recipes(short).map((recipe) => {
    const path = join(dataDir, recipe.name);
    const meta = join(dataDir, `${recipe.name}.json`);
    if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as Dataset;
    rmSync(path, { recursive: true, force: true });
    log(`building dataset ${recipe.name} (${recipe.description}) in ${path}`);
    const started = performance.now();
    recipe.build(path, log);
    const dataset: Dataset = { name: recipe.name, description: recipe.description, path, ...treeSize(path) };
    writeFileSync(meta, `${JSON.stringify(dataset, null, 2)}\n`);
    log(
      `built ${recipe.name}: ${(dataset.bytes / 1e6).toFixed(1)} MB in ${dataset.files} files (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    return dataset;
  });
}
