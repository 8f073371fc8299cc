import type { Owner } from './model.ts';

/** What an official image does that decides a volume's owner and kind. */
export interface ImageDefaults {
  /** The user the image's main process writes its data as. */
  owner: Owner;
  /** User names the image defines, for services that say `user: postgres`. */
  users: Record<string, Owner>;
  /** Container paths written by a master process that stays root (owner 0:0, the host user rootless). */
  rootPaths: string[];
  /** Container path under which the image keeps its database files, if it is a database. */
  databasePath?: string;
}

const POSTGRES: ImageDefaults = {
  owner: { uid: 999, gid: 999 },
  users: { postgres: { uid: 999, gid: 999 } },
  rootPaths: [],
  databasePath: '/var/lib/postgresql',
};

// The Alpine variants create the postgres user with the distribution's fixed id 70.
const POSTGRES_ALPINE: ImageDefaults = {
  ...POSTGRES,
  owner: { uid: 70, gid: 70 },
  users: { postgres: { uid: 70, gid: 70 } },
};

// nginx's workers run as nginx (101) but its master stays root and opens the log files itself.
const NGINX: ImageDefaults = {
  owner: { uid: 101, gid: 101 },
  users: { nginx: { uid: 101, gid: 101 } },
  rootPaths: ['/var/log/nginx'],
};

/** Splits an image reference into its repository path (registry dropped) and tag. */
export function parseImage(image: string): { path: string[]; tag: string } {
  const withoutDigest = image.split('@')[0] ?? image;
  const segments = withoutDigest.split('/');
  const first = segments[0] ?? '';
  if (segments.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    segments.shift();
  }
  const last = segments.pop() ?? '';
  const [name = '', tag = 'latest'] = last.split(':');
  return { path: [...segments, name], tag };
}

/** Defaults of the official postgres and nginx images (any registry mirror); undefined for others. */
export function imageDefaults(image: string | undefined): ImageDefaults | undefined {
  if (image === undefined) return undefined;
  const { path, tag } = parseImage(image);
  const name = path.at(-1);
  const official = path.length === 1 || path.at(-2) === 'library';
  if (!official) return undefined;
  if (name === 'postgres') return tag.includes('alpine') ? POSTGRES_ALPINE : POSTGRES;
  if (name === 'nginx') return NGINX;
  return undefined;
}
