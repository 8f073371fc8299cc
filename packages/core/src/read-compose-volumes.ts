import type { z } from 'zod';
import { composeError } from './compose-error.ts';
import type { composeVolumeSchema, XPhoenixVolume } from './compose-schema.ts';
import type { YamlSource } from './yaml-source.ts';
import { legacyOctalAt } from './yaml-source.ts';

/** A top-level volume the tool manages: its bind device (if any) and its `x-phoenix` settings. */
export interface ComposeVolume {
  name: string;
  /** `driver_opts.device` after interpolation, exactly as written (may be relative or start with ~). */
  device: string | undefined;
  x: XPhoenixVolume;
}

type VolumeDefinition = z.infer<typeof composeVolumeSchema>;

/**
 * Sorts the top-level volumes into those the tool manages (local driver, plain or bind-backed)
 * and those it leaves alone (external, other drivers, non-bind driver_opts), with a warning each.
 */
export function readComposeVolumes(
  definitions: Record<string, VolumeDefinition>,
  source: YamlSource,
  warnings: string[],
): { volumes: ComposeVolume[]; unmanaged: string[] } {
  const volumes: ComposeVolume[] = [];
  const unmanaged: string[] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    const volume = definition ?? {};
    const path = ['volumes', name];
    const x = { ...(volume['x-phoenix'] ?? {}) };
    // YAML 1.2 reads an unquoted `mode: 0700` as decimal 700; compose's parsers read octal, so do we.
    const raw =
      typeof x.mode === 'number' ? legacyOctalAt(source, [...path, 'x-phoenix', 'mode']) : undefined;
    if (raw !== undefined) x.mode = raw;
    const skip = (reason: string) => {
      unmanaged.push(name);
      warnings.push(`volume ${name} is ${reason}; phoenix-volumes leaves it alone`);
    };
    if (volume.external !== undefined && volume.external !== false) {
      skip('external to compose');
      continue;
    }
    if (volume.driver !== undefined && volume.driver !== 'local') {
      skip(`managed by the "${volume.driver}" driver`);
      continue;
    }
    const options = volume.driver_opts ?? {};
    const isBind = (options.o ?? '').split(',').some((option) => option === 'bind' || option === 'rbind');
    if (Object.keys(options).length > 0 && !isBind) {
      skip('not a bind of a host directory (driver_opts without o: bind)');
      continue;
    }
    if (isBind && (options.device === undefined || options.device === '')) {
      throw composeError(source, [...path, 'driver_opts'], 'a bind volume needs driver_opts.device', {
        hint: `set driver_opts.device to the host directory of volume ${name} in ${source.file}`,
      });
    }
    if (volume.name !== undefined) {
      warnings.push(
        `volume ${name}: a custom name: is not supported; the podman volume is assumed to be <project>_${name}`,
      );
    }
    volumes.push({ name, device: isBind ? options.device : undefined, x });
  }
  return { volumes, unmanaged };
}
