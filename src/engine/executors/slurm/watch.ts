import type { createLogger } from '../../logger.js';
import { type QueuedJob, sacctState, scancel, squeue } from './commands.js';

/** How a job left the queue: its last state, or GONE when SLURM stopped listing it. */
export interface JobEnd {
  state: string;
  /** From `sacct`, where the job's own exit file is missing and there is accounting. */
  exitCode?: number;
  /** Preempted or its node failed, and not requeued: the same attempt goes again. */
  interrupted: boolean;
  /** Cancelled by this run (Ctrl-C, or a failure elsewhere that stops it). */
  cancelled: boolean;
}

/** Still queued or running, requeued and suspended included. */
const ACTIVE = new Set([
  'PENDING',
  'RUNNING',
  'CONFIGURING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'STOPPED',
  'SPECIAL_EXIT',
  'RESV_DEL_HOLD',
]);
/** Not the job's fault: it goes again, unless SLURM requeues it itself (seen on the next poll). */
const INTERRUPTED = new Set(['PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL']);

export const isActive = (job: QueuedJob | undefined) => job !== undefined && ACTIVE.has(job.state);

interface Watched {
  resolve: (end: JobEnd) => void;
  /** Polls in a row that saw it interrupted, or not at all. */
  strikes: number;
  cancelled: boolean;
}

/**
 * Watches all of a run's jobs with one `squeue` per poll interval, however many there are
 * (snakemake-executor-plugin-slurm#158, nextflow#2696), and cancels them in one `scancel`.
 */
export class JobWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private toCancel = new Set<string>();
  private cancelling: Promise<void> | undefined;

  constructor(
    private readonly pollMs: number,
    private readonly log: ReturnType<typeof createLogger>,
  ) {}

  /** Settles once the job has left the queue (or been cancelled through `cancel`). */
  watch(id: string): Promise<JobEnd> {
    return new Promise((resolve) => {
      this.watched.set(id, { resolve, strikes: 0, cancelled: false });
      this.arm();
    });
  }

  /** Cancels the job (with every other cancelled in the same tick: one `scancel`), then ends its watch. */
  async cancel(id: string): Promise<void> {
    const watched = this.watched.get(id);
    if (!watched || watched.cancelled) return;
    watched.cancelled = true;
    this.toCancel.add(id);
    this.cancelling ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
      const ids = [...this.toCancel];
      this.toCancel.clear();
      this.cancelling = undefined;
      await scancel(ids).catch((err) =>
        this.log.warn(`could not cancel jobs ${ids.join(' ')}: ${err.message}`),
      );
    });
    await this.cancelling;
    this.end(id, { state: 'CANCELLED', interrupted: false, cancelled: true });
  }

  async cancelAll(): Promise<void> {
    await Promise.all([...this.watched.keys()].map((id) => this.cancel(id)));
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private end(id: string, end: JobEnd) {
    const watched = this.watched.get(id);
    if (!watched) return;
    this.watched.delete(id);
    watched.resolve(end);
  }

  private arm() {
    if (this.timer || !this.watched.size) return;
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
  }

  private async poll() {
    let jobs: Map<string, QueuedJob>;
    try {
      jobs = await squeue();
    } catch (err) {
      // The controller may be restarting: keep the jobs and ask again next interval.
      this.log.warn(`${(err as Error).message}; asking again in ${this.pollMs / 1000} s`);
      this.timer = undefined;
      this.arm();
      return;
    }
    for (const [id, watched] of this.watched) {
      if (watched.cancelled) continue;
      const job = jobs.get(id);
      if (isActive(job)) {
        watched.strikes = 0;
        continue;
      }
      if (job && !INTERRUPTED.has(job.state)) {
        this.end(id, { state: job.state, interrupted: false, cancelled: false });
        continue;
      }
      // Interrupted, or no longer listed: twice in a row, so a requeue in between is seen.
      if (++watched.strikes < 2) continue;
      if (job) this.end(id, { state: job.state, interrupted: true, cancelled: false });
      else {
        const accounted = await sacctState(id);
        this.end(id, {
          state: accounted?.state ?? 'GONE',
          exitCode: accounted?.exitCode,
          interrupted: accounted !== undefined && INTERRUPTED.has(accounted.state),
          cancelled: false,
        });
      }
    }
    this.timer = undefined;
    this.arm();
  }
}
