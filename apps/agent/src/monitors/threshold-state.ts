/** One limit of one volume: a minimum (avail bytes, free inodes) or a maximum (used bytes). */
export interface Limit {
  metric: 'avail_bytes' | 'files_free' | 'used_bytes';
  kind: 'min' | 'max';
  threshold: number;
}

/** A change of state to report as `disk.threshold`. */
export interface Crossing {
  state: 'firing' | 'resolved';
  value: number;
}

/**
 * Hysteresis for one limit: it fires when the value crosses the threshold and resolves only once the
 * value is `hysteresis` (a fraction of the threshold) back on the good side, so a value hovering
 * around the limit raises one event, not one per sample.
 */
export class ThresholdState {
  readonly limit: Limit;
  readonly #hysteresis: number;
  #firing = false;

  constructor(limit: Limit, hysteresis: number) {
    this.limit = limit;
    this.#hysteresis = hysteresis;
  }

  get firing(): boolean {
    return this.#firing;
  }

  /** Feeds one sample; returns the crossing when the state changed. */
  update(value: number): Crossing | null {
    const { kind, threshold } = this.limit;
    const bad = kind === 'min' ? value < threshold : value > threshold;
    const recovered =
      kind === 'min'
        ? value >= threshold * (1 + this.#hysteresis)
        : value <= threshold * (1 - this.#hysteresis);
    if (!this.#firing && bad) {
      this.#firing = true;
      return { state: 'firing', value };
    }
    if (this.#firing && recovered) {
      this.#firing = false;
      return { state: 'resolved', value };
    }
    return null;
  }
}
