import { access } from 'node:fs/promises';
import {
  type IdMapping,
  type Podman,
  type ReadSubidOptions,
  readSubidMappings,
} from '@phoenix-hydra/podman-adapter';

/** How container ids map to host ids for this user, and whether SELinux labels matter. */
export interface UserNamespace {
  rootless: boolean;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  selinuxEnabled: boolean;
}

const IDENTITY: IdMapping[] = [{ containerId: 0, hostId: 0, size: 4_294_967_295 }];

/** Other subuid/subgid files (tests, doctor) and the podman whose maps count when it is remote. */
interface ReadUserNamespaceOptions extends ReadSubidOptions {
  podman?: Pick<Podman, 'info' | 'remote'> | undefined;
}

/**
 * Read from /etc/subuid, /etc/subgid and selinuxfs rather than `podman info`, which takes seconds
 * here; rootless podman builds exactly these maps. Throws SUBID_MISSING (with the usermod fix)
 * when the user has no range. Through a remote podman (podman machine) the client's files say
 * nothing about the machine (macOS and Windows have none): its `podman info` maps are used.
 */
export async function readUserNamespace(options: ReadUserNamespaceOptions = {}): Promise<UserNamespace> {
  if (options.podman && (await options.podman.remote()).remote) {
    const info = await options.podman.info();
    const rootless = info.rootless && info.uidMappings.length > 0;
    return {
      rootless,
      uidMappings: rootless ? info.uidMappings : IDENTITY,
      gidMappings: rootless ? info.gidMappings : IDENTITY,
      selinuxEnabled: info.selinuxEnabled,
    };
  }
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
