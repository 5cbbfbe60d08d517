import type { LogLevel } from '../logger.js';
import type { RunContext, StageState } from '../run-state.js';

/**
 * One task as plain data (JSON): a group of stages of one item that stream to each other,
 * and the committed entries it reads. What another process (or a cluster job) needs to run it.
 */
export interface TaskSpec {
  run: string;
  workflowFile: string;
  params: Record<string, unknown>;
  /** The stages of the group, by task name (`profile[HG00100]`). */
  stages: string[];
  /** The committed entry of every stage outside the group that the group reads. */
  entries: Record<string, string>;
  workDir: string;
  baseDir: string;
  threads: number;
  logLevel: LogLevel;
  /** Where the task writes its outcome (`TaskOutcome`). */
  outcomeFile: string;
  /**
   * Where each attempt is a task of its own (a cluster job): the number of the one attempt
   * this task makes. Unset: the task retries its stages itself.
   */
  attempt?: number;
}

/** What a task reports of each of its stages. */
export interface StageOutcome {
  status: 'COMPLETED' | 'FAILED' | 'ABORTED' | 'CACHED';
  key?: string;
  error?: string;
  /** The failed attempt's scratch dir, kept. */
  scratchDir?: string;
  attempt: number;
  start?: number;
  end?: number;
  recordsIn: number;
  recordsOut: number;
  bytesOut: number;
  counters: Record<string, number>;
}

export type TaskOutcome = Record<string, StageOutcome>;

/** One task on an executor: submitted once, then awaited stage by stage. */
export interface TaskHandler {
  /** Starts the task (spawns it, queues it); `nativeId` is known once this resolves. */
  submit(): Promise<void>;
  /** Settles once `state`'s stage has finished in the task: resolves if it completed, else rejects with why. */
  outcome(state: StageState): Promise<void>;
  /** The task's id where it runs: a pid, a job id. */
  nativeId: string;
}

/** Where a run's tasks run (Nextflow's Executor): a handler per task, over the task's plain description. */
export interface Executor {
  name: string;
  /** A cluster's scheduler places tasks by their resources itself: the local pool then holds none back. */
  placesTasks?: boolean;
  createHandler(group: StageState[]): TaskHandler;
  /** Called once every task has settled. */
  close?(): Promise<void>;
}

/** Makes the executor of one run. */
export type ExecutorFactory = (run: RunContext) => Executor;
