/**
 * A worker-thread pool for plugins: a typed wrapper over piscina that maps a stream of
 * tasks in order with a bounded number in flight (so backpressure reaches the reader and
 * memory stays flat), moves typed arrays instead of copying them, and shuts its threads
 * down with the stage: on completion, on error and when the stage's signal aborts.
 */
import { availableParallelism } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';

/** Buffers handed to the other thread instead of copied (the sender loses them). */
export type TransferList = readonly (ArrayBuffer | MessagePort)[];

export interface PoolOptions {
  /** The compiled worker module; its default export handles one task. */
  worker: string;
  /** Worker threads; default the number of cores. */
  threads?: number;
  /** Aborting it stops running tasks and closes the pool. */
  signal?: AbortSignal;
}

export interface PoolTask<Task> {
  task: Task;
  /** The task's buffers to move to the worker. */
  transfer?: TransferList;
}

export interface MapOptions<T> {
  /** Tasks queued or running at once; default twice the threads. */
  maxInFlight?: number;
  /** Names an input in the error a failed task turns into (e.g. its sequence ids). */
  describe?: (input: T) => string;
}

export interface Mapped<T, Result> {
  input: T;
  result: Result;
}

export interface WorkerPool<Task, Result> {
  readonly threads: number;
  /** Runs one task. */
  run(task: Task, transfer?: TransferList): Promise<Result>;
  /**
   * Runs a task per input and yields `{ input, result }` in input order. Inputs are pulled
   * only while fewer than `maxInFlight` tasks are pending. The pool is closed when the map
   * ends, however it ends: a pool serves one map.
   */
  map<T>(
    inputs: AsyncIterable<T>,
    toTask: (input: T) => PoolTask<Task>,
    options?: MapOptions<T>,
  ): AsyncGenerator<Mapped<T, Result>>;
  /** Waits for running tasks, then stops the threads. Idempotent. */
  close(): Promise<void>;
  /** Stops the threads now; pending tasks fail. For error paths. */
  destroy(): Promise<void>;
}

export function createPool<Task, Result>(options: PoolOptions): WorkerPool<Task, Result> {
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const signal = options.signal;
  signal?.throwIfAborted();
  let closing: Promise<void> | undefined;
  // A worker that dies outside a task (piscina's 'error' event) fails every later task.
  let broken: Error | undefined;
  // piscina is loaded on first use, so plugins that never start a pool don't pay for it.
  const piscina: Promise<Piscina<Task, Result>> = import('piscina').then(({ Piscina }) => {
    const pool = new Piscina<Task, Result>({
      filename: options.worker,
      minThreads: threads,
      maxThreads: threads,
      // Workers are torn down by close/destroy, not by idling between batches.
      idleTimeout: Number.POSITIVE_INFINITY,
      // A worker holds its next task while it runs one, so it never idles waiting for a busy
      // main thread to hand it over (tasks are synchronous, so they still run one at a time).
      concurrentTasksPerWorker: 2,
    });
    pool.on('error', (err: Error) => {
      if (closing) return;
      broken = err;
      destroy();
    });
    return pool;
  });
  const destroy = () => {
    signal?.removeEventListener('abort', destroy);
    closing = piscina.then((pool) => pool.destroy());
    closing.catch(() => {});
    return closing;
  };
  signal?.addEventListener('abort', destroy, { once: true });
  const close = () => {
    signal?.removeEventListener('abort', destroy);
    closing ??= piscina.then((pool) => pool.close());
    return closing;
  };
  // Abort reaches running tasks through destroy (it terminates the threads), so tasks need
  // no abort listener each.
  const run = (task: Task, transfer?: TransferList) => {
    if (broken) return Promise.reject(broken);
    if (closing) return Promise.reject(new Error('the worker pool is closed'));
    return piscina.then((pool) => pool.run(task, { transferList: transfer as ArrayBuffer[] | undefined }));
  };

  async function* map<T>(
    inputs: AsyncIterable<T>,
    toTask: (input: T) => PoolTask<Task>,
    mapOptions: MapOptions<T> = {},
  ): AsyncGenerator<Mapped<T, Result>> {
    const maxInFlight = Math.max(1, mapOptions.maxInFlight ?? threads * 2);
    const pending: Array<{ input: T; result: Promise<Result> }> = [];
    const source = inputs[Symbol.asyncIterator]();
    let exhausted = false;
    try {
      for (;;) {
        while (!exhausted && pending.length < maxInFlight) {
          const next = await source.next();
          signal?.throwIfAborted();
          if (next.done) {
            exhausted = true;
            break;
          }
          const { task, transfer } = toTask(next.value);
          const result = run(task, transfer);
          // Awaited in order below; this only keeps a later failure from being "unhandled".
          result.catch(() => {});
          pending.push({ input: next.value, result });
        }
        const head = pending.shift();
        if (!head) return;
        let result: Result;
        try {
          result = await head.result;
        } catch (err) {
          signal?.throwIfAborted();
          throw taskError(err, mapOptions.describe?.(head.input));
        }
        yield { input: head.input, result };
      }
    } finally {
      if (pending.length || signal?.aborted) destroy();
      await Promise.all([close(), source.return?.()]);
    }
  }

  return { threads, run, map, close, destroy };
}

function taskError(err: unknown, what: string | undefined): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(what ? `${what}: ${message}` : `worker task failed: ${message}`, { cause: err });
}

/** Whether the stream is small enough that a pool would cost more (start-up) than it saves. */
export interface InlineRule<T> {
  /** True for a first input too small to be worth a pool. */
  isTiny(first: T): boolean;
}

/**
 * Maps inputs with `inline` in this thread when `threads` is 0 or the whole stream is one
 * tiny input (the first input is tiny and nothing follows it); otherwise through a pool of
 * `worker`. Both paths yield `{ input, result }` in order, so callers cannot tell them apart.
 */
export async function* mapInOrder<T, Task, Result>(
  inputs: AsyncIterable<T>,
  options: PoolOptions &
    MapOptions<T> &
    InlineRule<T> & {
      toTask: (input: T) => PoolTask<Task>;
      inline: (input: T) => Result;
    },
): AsyncGenerator<Mapped<T, Result>> {
  const source = inputs[Symbol.asyncIterator]();
  const first = await source.next();
  if (first.done) return;
  const rest: AsyncIterable<T> = { [Symbol.asyncIterator]: () => source };
  if (options.threads === 0) {
    yield* inlineAll(first.value, rest, options.inline, options.signal);
    return;
  }
  const second = await source.next();
  if (second.done && options.isTiny(first.value)) {
    yield { input: first.value, result: options.inline(first.value) };
    return;
  }
  async function* all(): AsyncGenerator<T> {
    yield first.value as T;
    if (second.done) return;
    yield second.value;
    yield* rest;
  }
  const pool = createPool<Task, Result>(options);
  yield* pool.map(all(), options.toTask, options);
}

async function* inlineAll<T, Result>(
  first: T,
  rest: AsyncIterable<T>,
  inline: (input: T) => Result,
  signal: AbortSignal | undefined,
): AsyncGenerator<Mapped<T, Result>> {
  yield { input: first, result: inline(first) };
  for await (const input of rest) {
    signal?.throwIfAborted();
    yield { input, result: inline(input) };
  }
}
