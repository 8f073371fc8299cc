// Entry point of this package's work done as root of the rootless user namespace:
// `podman unshare node ns-main.ts TASK`, the input as JSON on stdin, the result as JSON on stdout.
import { serveNodeTask } from '@phoenix-hydra/podman-adapter/serve-node-task';
import { nsTasks } from './ns-tasks.ts';

await serveNodeTask(nsTasks);
