import type { LogSignature } from './signature.ts';

const SEVERITY = 'error' as const;

/** Failures of any service: podman cannot start it, or the disk is full. */
export const GENERIC_SIGNATURES: readonly LogSignature[] = [
  {
    id: 'PHX-LOG-RUN-001',
    title: 'the image cannot be found',
    severity: SEVERITY,
    pattern:
      /image not known|initializing source docker:\/\/(\S+?):|manifest unknown|short-name "([^"]+)" did not resolve/,
    why: 'podman has no local copy of the image and cannot pull it (no registry reachable, or a typo in image:)',
    hint: 'podman pull IMAGE on a machine with registry access (podman save | podman load to bring it here), or fix image: in the compose file',
    fix: null,
  },
  {
    id: 'PHX-LOG-RUN-002',
    title: "the container's user does not exist in the image",
    severity: SEVERITY,
    pattern: /unable to find (?:user|group) ([^:]+): no matching entries in (?:passwd|group) file/,
    why: 'user: names an account the image does not have, so podman cannot start the container at all',
    hint: 'use numeric ids in user: (e.g. "999:999" for postgres, "101:101" for nginx) or a user the image has',
    fix: null,
  },
  {
    id: 'PHX-LOG-RUN-003',
    title: "a volume's directory is missing (OCI runtime mount error)",
    severity: SEVERITY,
    pattern:
      /special device (\S+) does not exist|mounting volume .*no such file or directory|error mounting .*: no such file or directory/,
    why: 'a bind-backed podman volume points at a host directory that was removed or renamed; podman cannot mount it, so the container never starts',
    hint: 'recreate the directory with its owner and mode (phoenix-volumes setup, or doctor --fix), then podman start {container}',
    fix: null,
  },
  {
    id: 'PHX-LOG-RUN-004',
    title: 'no space left on device',
    severity: SEVERITY,
    pattern: /No space left on device/,
    why: 'the filesystem behind a volume is full: postgres cannot write WAL or initialise, nginx cannot write logs',
    hint: 'free space where {path} lives (df -h {path}; rotate logs: phoenix-volumes logs rotate), then podman start {container}',
    fix: null,
  },
];
