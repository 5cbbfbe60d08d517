import { type Batch, batch } from '../plugin-api/batch.js';

/**
 * A bounded queue between one producer and one consumer. It holds batches, counted in
 * records: `push` reports when the queue is full so the producer waits (backpressure); the
 * consumer takes everything buffered at once, which keeps per-record overhead low. A
 * consumer that stops early cancels the channel: further pushes are dropped and the
 * producer can tell nobody is listening.
 */
export class Channel<T> implements AsyncIterable<T> {
  private entries: Batch<T>[] = [];
  /** Records pushed one at a time since the last batch, gathered into one. */
  private loose: T[] = [];
  private buffered = 0;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private consumerFailure: { error: unknown } | undefined;
  private consumerWaiting: (() => void) | undefined;
  private producerWaiting: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private iterated = false;
  /** True once the consumer has stopped reading. */
  cancelled = false;
  /** The most records ever buffered at once (for tests of the bound). */
  maxBuffered = 0;

  constructor(readonly capacity: number) {}

  /** Adds a record; returns false when the producer should `await room()` before the next. */
  push(item: T): boolean {
    if (this.failure) throw this.failure.error;
    if (this.cancelled) return true;
    if (!this.loose.length) this.entries.push(batch(this.loose));
    this.loose.push(item);
    return this.added(1);
  }

  /** Adds a batch whole; same contract as `push`. */
  pushBatch(entry: Batch<T>): boolean {
    if (this.failure) throw this.failure.error;
    if (this.cancelled) return true;
    this.seal();
    this.entries.push(entry);
    return this.added(entry.count);
  }

  private added(n: number): boolean {
    this.buffered += n;
    if (this.buffered > this.maxBuffered) this.maxBuffered = this.buffered;
    this.wakeConsumer();
    return this.buffered < this.capacity;
  }

  /** Ends the batch that single pushes are gathered into. */
  private seal(): void {
    if (!this.loose.length) return;
    const last = this.entries.length - 1;
    this.entries[last] = batch(this.loose);
    this.loose = [];
  }

  /** Resolves when the buffer has room again (or the consumer went away). */
  room(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.cancelled || this.buffered < this.capacity) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.producerWaiting = { resolve, reject };
    });
  }

  /** No more records will come. */
  close(): void {
    this.closed = true;
    this.wakeConsumer();
  }

  /** Ends the channel with an error on both sides. */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.clear();
    this.wakeConsumer();
    const producer = this.producerWaiting;
    this.producerWaiting = undefined;
    producer?.reject(error);
  }

  /**
   * Stops the consumer side with an error while the producer goes on undisturbed: its
   * further pushes are dropped (used when a consumer is aborted but its producer is not).
   */
  detach(error: unknown): void {
    if (this.failure || this.cancelled) return;
    this.cancelled = true;
    this.clear();
    this.consumerFailure = { error };
    this.wakeConsumer();
    this.wakeProducer();
  }

  /** Batches as they arrive. */
  async *batches(): AsyncGenerator<Batch<T>> {
    if (this.iterated) throw new Error('a stream can be read only once');
    this.iterated = true;
    try {
      for (;;) {
        if (this.failure) throw this.failure.error;
        if (this.consumerFailure) throw this.consumerFailure.error;
        if (this.entries.length) {
          this.seal();
          const taken = this.entries;
          this.clear();
          this.wakeProducer();
          yield* taken;
        } else if (this.closed) {
          return;
        } else {
          await new Promise<void>((resolve) => {
            this.consumerWaiting = resolve;
          });
        }
      }
    } finally {
      if (!this.closed) this.cancel();
    }
  }

  /** The consumer stops reading: further pushes are dropped, the producer is told. */
  cancel(): void {
    this.cancelled = true;
    this.clear();
    this.wakeProducer();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const entry of this.batches()) yield* entry.records;
  }

  private clear(): void {
    this.entries = [];
    this.loose = [];
    this.buffered = 0;
  }

  private wakeConsumer(): void {
    const consumer = this.consumerWaiting;
    this.consumerWaiting = undefined;
    consumer?.();
  }

  private wakeProducer(): void {
    const producer = this.producerWaiting;
    this.producerWaiting = undefined;
    producer?.resolve();
  }
}
