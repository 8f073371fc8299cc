import { readFileSync } from 'node:fs';

/** This package's version, recorded in every manifest; read at runtime so src and dist agree. */
export const toolVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
