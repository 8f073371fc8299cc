import { access } from 'node:fs/promises';
import { type IdMapping, type ReadSubidOptions, readSubidMappings } from '@phoenix-hydra/podman-adapter';

/** How container ids map to host ids for this user, and whether SELinux labels matter. */
export interface UserNamespace {
  rootless: boolean;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  selinuxEnabled: boolean;
}

const IDENTITY: IdMapping[] = [{ containerId: 0, hostId: 0, size: 4_294_967_295 }];

/**
 * Read from /etc/subuid, /etc/subgid and selinuxfs rather than `podman info`, which takes seconds
 * here; rootless podman builds exactly these maps. Throws SUBID_MISSING (with the usermod fix)
 * when the user has no range. `options` point at other subuid/subgid files (tests, doctor).
 */
export async function readUserNamespace(options: ReadSubidOptions = {}): Promise<UserNamespace> {
  const selinuxEnabled = await access('/sys/fs/selinux/enforce').then(
    () => true,
    () => false,
  );
  if (process.getuid?.() === 0) {
    return { rootless: false, uidMappings: IDENTITY, gidMappings: IDENTITY, selinuxEnabled };
  }
  const { uidMappings, gidMappings } = await readSubidMappings(options);
  return { rootless: true, uidMappings, gidMappings, selinuxEnabled };
}
