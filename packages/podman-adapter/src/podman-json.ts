import { z } from 'zod';

/** A string map in podman's JSON (labels, volume options), which podman prints as null when it is empty. */
export const stringMapSchema = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? {});
