import { BATCHES, type Batch, batch, lineBlock } from '../plugin-api/batch.js';
import { isStream } from '../plugin-api/io.js';
import {
  type EntryWriter,
  type FileFingerprint,
  FRAME_LINES,
  fullKeyOf,
  type KeyRecord,
  type StageCache,
  staticKeyOf,
} from './cache.js';
import { Channel } from './channel.js';
import { codecOf } from './codec.js';
import { keyParts, keyPath } from './decide.js';
import type { RunContext, StageState } from './run-state.js';
import { STDIN_PATH, STDOUT_PATH } from './stdin.js';

/** The batches of a committed entry, decoded. */
export async function* replayBatches(
  cache: StageCache,
  key: string,
  codec: ReturnType<typeof codecOf>,
): AsyncGenerator<Batch<unknown>> {
  const decode = codec.createDecoder();
  let pending: unknown[] = [];
  for await (const frame of cache.replay(key)) {
    if (frame.kind === FRAME_LINES) {
      if (pending.length) yield batch(pending);
      pending = [];
      yield lineBlock(Buffer.from(frame.payload));
      continue;
    }
    pending.push(decode(frame.payload));
    if (pending.length >= 512) {
      yield batch(pending);
      pending = [];
    }
  }
  if (pending.length) yield batch(pending);
}

/** An input stream that counts what flows through it and hands out whole batches. */
export function countedInput(
  source: () => AsyncIterable<Batch<unknown>>,
  counter: { n: number; waitMs: number },
): AsyncIterable<unknown> {
  const batches = async function* () {
    const entries = source()[Symbol.asyncIterator]();
    try {
      for (;;) {
        // The time until the next batch arrives is time spent waiting for the producer.
        const asked = performance.now();
        const next = await entries.next();
        counter.waitMs += performance.now() - asked;
        if (next.done) return;
        counter.n += next.value.count;
        yield next.value;
      }
    } finally {
      await entries.return?.();
    }
  };
  return {
    [BATCHES]: batches,
    async *[Symbol.asyncIterator]() {
      for await (const entry of batches()) yield* entry.records;
    },
  } as AsyncIterable<unknown>;
}

/** A cache entry being written from a tap on the stage's output. */
export interface StoreTap {
  /** One more output channel for the stage: what goes in is encoded into the entry. */
  tap: Channel<unknown>;
  writer: EntryWriter;
  /** Settles once everything pushed into the tap is in the entry. */
  stored: Promise<void>;
  /** The write error (a full disk) that stopped the stage, if one did. */
  failure?: unknown;
}

/** Opens an entry for the stage's output; a failed write calls `stop`, which ends the attempt. */
export async function openStoreTap(
  run: RunContext,
  state: StageState,
  stop: (err: unknown) => void,
): Promise<StoreTap> {
  const { planned } = state;
  const writer = await run.cache.createWriter(planned.name, planned.uses);
  const tap = new Channel<unknown>(256);
  const encode = codecOf(run.options.registry, planned.stage.output).createEncoder();
  const store: StoreTap = { tap, writer, stored: Promise.resolve() };
  store.stored = (async () => {
    for await (const records of tap.batches()) {
      if (records.bytes !== undefined) writer.addBlock(records.bytes, records.count);
      else for (const record of records.records) writer.add(encode(record));
      await writer.flushIfFull().catch((err) => {
        store.failure = err;
        stop(err);
        throw err;
      });
    }
  })();
  store.stored.catch(() => {}); // awaited by the attempt
  return store;
}

/**
 * Fingerprints what the stage read and wrote, works out its key, commits its output
 * entry (if any) and, when the output is `whole`, records the key in the index.
 */
export async function commitStage(
  run: RunContext,
  state: StageState,
  writer: EntryWriter | undefined,
  whole: boolean,
): Promise<void> {
  const { planned } = state;
  const upstreamKeys: Record<string, string> = {};
  for (const [port, upstream] of Object.entries(planned.inputs))
    upstreamKeys[port] = await run.states.get(upstream)!.key.promise;
  const parts = keyParts(planned, upstreamKeys);
  const staticKey = staticKeyOf(parts);
  const fingerprint = async (paths: Set<string>): Promise<FileFingerprint[]> => {
    const files: FileFingerprint[] = [];
    for (const path of paths) {
      const hash =
        path === STDIN_PATH
          ? await run.stdin().hash
          : // stdout, a device or a pipe cannot be looked at again: no hash, so it always re-runs.
            path === STDOUT_PATH || isStream(path)
            ? ''
            : await run.fingerprints.fingerprint(path);
      files.push({ path: keyPath(run.options.baseDir, path), hash });
    }
    return files;
  };
  const files = await fingerprint(state.inputFiles);
  const key = fullKeyOf(staticKey, files);
  if (writer) {
    await writer.commit(key);
    state.bytesOut = writer.bytes;
  }
  const record: KeyRecord = {
    parts,
    staticKey,
    key,
    files,
    outputFiles: await fingerprint(state.outputFiles),
    stored: writer !== undefined,
    report: state.report,
  };
  // Downstream keys need only this key, not its record on disk: a chain of stages commits at once.
  state.key.resolve(key);
  if (whole) await run.cache.remember(run.options.plan.workflow.spec.name, record);
  state.committed.resolve();
}
