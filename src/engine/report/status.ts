import type { StageStatus } from '../trace.js';

/** One colour per stage status, shared by the DAG, the timeline and the table. */
export const statusColours: Record<StageStatus, string> = {
  COMPLETED: '#2e7d32',
  CACHED: '#1565c0',
  FAILED: '#c62828',
  ABORTED: '#ef6c00',
};

export const statuses = Object.keys(statusColours) as StageStatus[];
