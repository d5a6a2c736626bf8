// Energy per proof: GPU board power sampled by nvidia-smi, integrated (trapezoids) over the prove's
// wall-clock interval. Samples are kept per GPU in a bounded ring, so memory stays flat.

export interface PowerSample {
  /** Clock time in ms. */
  at: number;
  watts: number;
}

/**
 * Joules drawn between `startMs` and `endMs` given time-ordered samples. Power between samples is
 * linear; before the first / after the last sample it is held flat (the sampler lags the prove).
 */
export function integrateJoules(samples: readonly PowerSample[], startMs: number, endMs: number): number {
  if (endMs <= startMs || samples.length === 0) return 0;
  const first = samples[0];
  if (first === undefined) return 0;
  if (samples.length === 1) return (first.watts * (endMs - startMs)) / 1000;

  const wattsAt = (t: number): number => {
    const last = samples[samples.length - 1];
    if (last === undefined || t <= first.at) return first.watts;
    if (t >= last.at) return last.watts;
    for (let i = 1; i < samples.length; i++) {
      const b = samples[i];
      const a = samples[i - 1];
      if (a === undefined || b === undefined) continue;
      if (t <= b.at) {
        const span = b.at - a.at;
        return span <= 0 ? b.watts : a.watts + ((b.watts - a.watts) * (t - a.at)) / span;
      }
    }
    return last.watts;
  };

  // Breakpoints: the interval's ends plus every sample strictly inside it.
  const points = [startMs];
  for (const s of samples) if (s.at > startMs && s.at < endMs) points.push(s.at);
  points.push(endMs);

  let wattMs = 0;
  for (let i = 1; i < points.length; i++) {
    const t0 = points[i - 1];
    const t1 = points[i];
    if (t0 === undefined || t1 === undefined) continue;
    wattMs += ((wattsAt(t0) + wattsAt(t1)) / 2) * (t1 - t0);
  }
  return wattMs / 1000;
}

/** Recent power samples per GPU, bounded; out-of-order samples are dropped. */
export class PowerHistory {
  private readonly perGpu = new Map<string, PowerSample[]>();
  private readonly maxSamples: number;

  constructor(maxSamples = 720) {
    this.maxSamples = maxSamples;
  }

  add(gpu: string, sample: PowerSample): void {
    let ring = this.perGpu.get(gpu);
    if (ring === undefined) {
      ring = [];
      this.perGpu.set(gpu, ring);
    }
    const last = ring[ring.length - 1];
    if (last !== undefined && sample.at < last.at) return;
    ring.push(sample);
    if (ring.length > this.maxSamples) ring.splice(0, ring.length - this.maxSamples);
  }

  /** Summed joules of the given GPUs over [startMs, endMs]; GPUs without samples count as 0. */
  joules(gpus: readonly string[], startMs: number, endMs: number): number {
    let total = 0;
    for (const gpu of gpus) total += integrateJoules(this.perGpu.get(gpu) ?? [], startMs, endMs);
    return total;
  }

  gpus(): string[] {
    return [...this.perGpu.keys()];
  }
}
