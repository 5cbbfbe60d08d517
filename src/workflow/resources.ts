import type { WorkflowError } from './errors.js';

/** What one task of a stage may use; the local scheduler never runs more at once than fit. */
export interface Resources {
  cpus: number;
  /** Bytes; 0 when not declared. */
  memory: number;
  /** Milliseconds before the task is killed; 0 when not declared. */
  time: number;
  /** Tasks of this stage running at once; 0 when not limited. */
  maxParallel: number;
  /**
   * What each retry multiplies the memory and time by (`on-retry: {memory: 2x}`), where an
   * attempt asks for its own resources (a SLURM job); 1 when not declared.
   */
  onRetry: { memory: number; time: number };
  /**
   * Whether the cpus and memory bind the scheduler: declared (in the stage or a profile), or a
   * fan-out's task (1 cpu by default). A plain stage declaring none runs as soon as it can.
   */
  counted: boolean;
}

const memoryUnits: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };
const timeUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `2 GB`, `512MB`, `1.5 GB` (a bare number is MB), in bytes. */
export function parseMemory(value: string | number, error: (message: string) => WorkflowError): number {
  if (typeof value === 'number') return Math.round(value * memoryUnits.MB!);
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?B)\s*$/i.exec(value);
  if (!match) throw error(`memory: expected an amount like "2 GB" or "512 MB", got "${value}"`);
  return Math.round(Number(match[1]) * memoryUnits[match[2]!.toUpperCase()]!);
}

/** `30s`, `1h`, `1.5 h`, `500ms`, `2m` (a bare number is seconds), in milliseconds. */
export function parseTime(value: string | number, error: (message: string) => WorkflowError): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)\s*$/.exec(value);
  if (!match) throw error(`time: expected a duration like "30s", "10m" or "2h", got "${value}"`);
  return Math.round(Number(match[1]) * timeUnits[match[2]!]!);
}

/** `2 GB` for the trace (Nextflow's memory column); '' when not declared. */
export function formatMemory(bytes: number): string {
  if (!bytes) return '';
  const unit = ['TB', 'GB', 'MB', 'KB'].find((u) => bytes >= memoryUnits[u]!) ?? 'B';
  return `${Number((bytes / memoryUnits[unit]!).toFixed(2))} ${unit}`;
}
