/** How the report writes numbers; tests format the run's own values with these to find them. */

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Whole numbers with thousands separators (12,345); fractions to four decimals (0.7937). */
export function formatValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return 'NA';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? grouped.format(value) : value.toFixed(4);
}

/** A duration the way people read them: 850 ms, 12.3 s, 4 min 05 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Records per second of a stage that ran; null when it took no time. */
export function throughput(recordsOut: number, durationMs: number): number | null {
  return durationMs > 0 ? (recordsOut / durationMs) * 1000 : null;
}

/** A rate to three significant digits, whole from 100 up: 7,547 · 12.3 · 0.0746. */
export function formatRate(value: number | null): string {
  if (value === null) return 'NA';
  return value >= 100 ? grouped.format(Math.round(value)) : String(Number(value.toPrecision(3)));
}
