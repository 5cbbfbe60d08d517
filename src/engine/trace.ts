import { writeFile } from 'node:fs/promises';

export type StageStatus = 'COMPLETED' | 'CACHED' | 'FAILED' | 'ABORTED';

/** One row of `trace.tsv`. */
export interface TraceRow {
  stage: string;
  uses: string;
  status: StageStatus;
  attempt: number;
  start: string;
  duration_ms: number;
  /** Of duration_ms, the time spent waiting for inputs or for consumers to take the output. */
  wait_ms: number;
  records_in: number;
  records_out: number;
  bytes_out: number;
  peak_rss_mb: number;
  cache_key: string;
  /** `ctx.progress.count` counters, `name=n` by name, comma-separated. */
  counters: string;
  /** Where the task ran (Nextflow's columns): its executor, the id it had there, what it declared. */
  executor: string;
  native_id: string;
  cpus: number;
  memory: string;
  /** Why a task failed, in one line ('' otherwise). */
  error: string;
}

export const traceColumns: (keyof TraceRow)[] = [
  'stage',
  'uses',
  'status',
  'attempt',
  'start',
  'duration_ms',
  'wait_ms',
  'records_in',
  'records_out',
  'bytes_out',
  'peak_rss_mb',
  'cache_key',
  'counters',
  'executor',
  'native_id',
  'cpus',
  'memory',
  'error',
];

/** `{ rejected: 2, invalid: 1 }` → `invalid=1,rejected=2`. */
export function formatCounters(counters: Record<string, number>): string {
  return Object.keys(counters)
    .sort()
    .map((name) => `${name}=${counters[name]}`)
    .join(',');
}

export function formatTrace(rows: TraceRow[]): string {
  const lines = rows.map((row) => traceColumns.map((c) => String(row[c])).join('\t'));
  return `${traceColumns.join('\t')}\n${lines.map((l) => `${l}\n`).join('')}`;
}

export async function writeTrace(path: string, rows: TraceRow[]): Promise<void> {
  await writeFile(path, formatTrace(rows));
}

export function parseTrace(text: string): TraceRow[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const columns = header!.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    const row: Record<string, string | number> = Object.fromEntries(
      columns.map((c, i) => [c, cells[i] ?? '']),
    );
    for (const n of [
      'attempt',
      'cpus',
      'duration_ms',
      'wait_ms',
      'records_in',
      'records_out',
      'bytes_out',
      'peak_rss_mb',
    ])
      row[n] = Number(row[n]);

    return row as unknown as TraceRow;
  });
}
