/**
 * A bounded queue between one producer and one consumer. `push` reports when the queue is
 * full so the producer waits (backpressure); the consumer takes everything buffered at
 * once, which keeps per-record overhead low. A consumer that stops early cancels the
 * channel: further pushes are dropped and the producer can tell nobody is listening.
 */
export class Channel<T> implements AsyncIterable<T> {
  private buffer: T[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private consumerFailure: { error: unknown } | undefined;
  private consumerWaiting: (() => void) | undefined;
  private producerWaiting: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private iterated = false;
  /** True once the consumer has stopped reading. */
  cancelled = false;
  /** Items delivered to the consumer. */
  delivered = 0;
  /** The most items ever buffered at once (for tests of the bound). */
  maxBuffered = 0;

  constructor(readonly capacity: number) {}

  /** Adds an item; returns false when the producer should `await room()` before the next. */
  push(item: T): boolean {
    if (this.failure) throw this.failure.error;
    if (this.cancelled) return true;
    this.buffer.push(item);
    if (this.buffer.length > this.maxBuffered) this.maxBuffered = this.buffer.length;
    this.wakeConsumer();
    return this.buffer.length < this.capacity;
  }

  /** Adds many items at once; same contract as `push`. */
  pushMany(items: readonly T[]): boolean {
    if (this.failure) throw this.failure.error;
    if (this.cancelled) return true;
    for (const item of items) this.buffer.push(item);
    if (this.buffer.length > this.maxBuffered) this.maxBuffered = this.buffer.length;
    this.wakeConsumer();
    return this.buffer.length < this.capacity;
  }

  /** Resolves when the buffer has room again (or the consumer went away). */
  room(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.cancelled || this.buffer.length < this.capacity) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.producerWaiting = { resolve, reject };
    });
  }

  /** No more items will come. */
  close(): void {
    this.closed = true;
    this.wakeConsumer();
  }

  /** Ends the channel with an error on both sides. */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.buffer = [];
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
    this.buffer = [];
    this.consumerFailure = { error };
    this.wakeConsumer();
    this.wakeProducer();
  }

  /** Batches of items as they arrive. */
  async *batches(): AsyncGenerator<T[]> {
    if (this.iterated) throw new Error('a stream can be read only once');
    this.iterated = true;
    try {
      for (;;) {
        if (this.failure) throw this.failure.error;
        if (this.consumerFailure) throw this.consumerFailure.error;
        if (this.buffer.length) {
          const batch = this.buffer;
          this.buffer = [];
          this.delivered += batch.length;
          this.wakeProducer();
          yield batch;
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

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const batch of this.batches()) yield* batch;
  }

  private cancel(): void {
    this.cancelled = true;
    this.buffer = [];
    this.wakeProducer();
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
