export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target from the issue, printed beside the figure (never enforced). */
  target?: string;
}

export interface BenchModule {
  run(): Promise<BenchFigure[]>;
}

/** Median of repeated timings of `fn`, in ms, after `warmup` untimed runs. */
export async function medianMs(fn: () => unknown, runs = 15, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}
