import type { Owner } from './model.ts';
import { MAX_ID } from './model.ts';

const NUMERIC = /^\d+$/;

function toId(text: string): number | undefined {
  if (!NUMERIC.test(text)) return undefined;
  // Digits only, so the number is a whole number >= 0 (or Infinity): idSchema's range check is all that is left.
  const id = Number(text);
  return id <= MAX_ID ? id : undefined;
}

/** Parses an owner written "uid:gid", or "uid" meaning the same number for the group; undefined if invalid. */
export function parseOwner(input: string | number): Owner | undefined {
  const [uidText, gidText, ...rest] = String(input).trim().split(':');
  if (uidText === undefined || rest.length > 0) return undefined;
  const uid = toId(uidText);
  const gid = gidText === undefined ? uid : toId(gidText);
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/** A compose `user:` value: numeric ids when given, names kept so callers can explain what they skipped. */
export interface ComposeUser {
  uid?: number;
  gid?: number;
  userName?: string;
  groupName?: string;
}

/** Parses compose's `user:` ("999:999", "999", "postgres", "app:staff"); undefined for malformed values. */
export function parseUser(input: string | number): ComposeUser | undefined {
  const [user, group, ...rest] = String(input).trim().split(':');
  if (user === undefined || user === '' || rest.length > 0 || group === '') return undefined;
  const result: ComposeUser = {};
  const uid = toId(user);
  if (uid !== undefined) result.uid = uid;
  else if (NUMERIC.test(user)) return undefined;
  else result.userName = user;
  if (group !== undefined) {
    const gid = toId(group);
    if (gid !== undefined) result.gid = gid;
    else if (NUMERIC.test(group)) return undefined;
    else result.groupName = group;
  }
  return result;
}
