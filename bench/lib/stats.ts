/** Small helpers every benchmark uses to report figures the same way. */

/** The p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Print one figure next to its target, with a verdict. */
export function report(name: string, value: number, unit: string, target?: { max: number }): void {
  const shown = `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
  const verdict = target ? (value <= target.max ? `  (target < ${target.max} ${unit}: ok)` : `  (target < ${target.max} ${unit}: MISSED)`) : '';
  process.stdout.write(`${name.padEnd(48)} ${shown}${verdict}\n`);
}
