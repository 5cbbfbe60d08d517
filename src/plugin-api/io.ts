import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type Duplex, PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { namingPath } from './fs-error.js';
import { pidAlive } from './pid.js';
import type { StageContext } from './types.js';

/** Where a stage reads from: `-` is the run's stdin, anything else a file path. */
export function openBytes(ctx: StageContext<unknown>, path: string): Readable {
  if (path === '-') return ctx.stdin();
  const file = ctx.resolvePath(path);
  // Said here with the path: fs's own errors (a bare EISDIR, ENOENT) name neither.
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${path}: no such file, expected a readable input file`);
  if (stat.isDirectory()) throw new Error(`${path}: is a directory, expected a readable input file`);
  ctx.declareInputFile(file);
  return createReadStream(file, { highWaterMark: 1 << 20, signal: ctx.signal });
}

/** The label used in error messages for a path (`<stdin>` for `-`). */
export function displayName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

/**
 * Returns the bytes of `source`, gunzipped when they start with the gzip magic bytes
 * (gzip and BGZF alike: BGZF is a series of gzip members). A truncated stream is an error.
 */
export function decompressed(source: Readable, name: string): Readable {
  return Readable.from(decompress(source, name), { objectMode: false });
}

async function* decompress(source: Readable, name: string): AsyncGenerator<Buffer> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  // Where it went wrong: zlib's errors say only what.
  let inflated = 0;
  const broken = (message: string) =>
    `${name}: gzip stream is corrupt or truncated (${message}) after ${inflated} decompressed bytes`;
  const piping = pipeline(Readable.from(rest()), gunzip).catch((err: Error) => {
    gunzip.destroy(new Error(broken(err.message)));
  });
  try {
    for await (const chunk of gunzip) {
      inflated += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(name) ? message : broken(message));
  } finally {
    await piping;
  }
}

/** The first `min` bytes of a stream (fewer at its end), and the whole stream again: for magic bytes. */
export async function peekBytes(
  source: AsyncIterable<Buffer>,
  min: number,
): Promise<{ head: Buffer; all: AsyncGenerator<Buffer> }> {
  const chunks = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < min) {
    const next = await chunks.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  return { head: Buffer.concat(seen), all: all() };
}

/**
 * Cuts bytes into chunks of whole lines, each ending in `\n`; `\r\n` becomes `\n`, and a
 * last line without a newline gets one. Cutting at a newline byte never splits a UTF-8
 * character, so nothing is decoded.
 */
export async function* lineChunks(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    const end = chunk.lastIndexOf(10) + 1;
    if (!end) {
      pending = Buffer.concat([pending, chunk]);
      continue;
    }
    const whole = pending.length ? Buffer.concat([pending, chunk.subarray(0, end)]) : chunk.subarray(0, end);
    pending = Buffer.from(chunk.subarray(end));
    yield withoutCarriageReturns(whole);
  }
  if (pending.length) yield withoutCarriageReturns(Buffer.concat([pending, Buffer.from('\n')]));
}

const withoutCarriageReturns = (bytes: Buffer) =>
  bytes.includes(13) ? Buffer.from(bytes.toString('utf8').replace(/\r\n/g, '\n')) : bytes;

/** Splits bytes into lines, yielded in batches (see `lineChunks`). */
export async function* lineBatches(source: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  for await (const chunk of lineChunks(source)) yield chunk.toString('utf8', 0, chunk.length - 1).split('\n');
}

/** Lines of a file or stdin, decompressed when gzipped, as chunks of whole lines. */
export function readLineChunks(ctx: StageContext<unknown>, path: string): AsyncGenerator<Buffer> {
  return lineChunks(decompressed(openBytes(ctx, path), displayName(path)));
}

/** Lines of a file or stdin, decompressed when gzipped, in batches. */
export function readLineBatches(ctx: StageContext<unknown>, path: string): AsyncGenerator<string[]> {
  return lineBatches(decompressed(openBytes(ctx, path), displayName(path)));
}

/** How a record is written as one line of text. */
export function formatLine(record: unknown): string {
  if (typeof record === 'string') return record;
  if (record !== null && typeof record === 'object' && record.toString !== Object.prototype.toString) {
    return String(record);
  }
  return JSON.stringify(record);
}

/** An output that becomes visible only when committed. */
export interface Output {
  /** Writes a chunk, resolving once the stream can take more (backpressure). */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Flushes and publishes the output (a file: fsync, then rename into place). */
  commit(): Promise<void>;
  /** Drops a partial output (a file: removes the temporary file). */
  discard(): Promise<void>;
}

/**
 * Opens `-` (the run's stdout) or a file. A file is written under a temporary name in the
 * same directory and renamed into place by `commit`, so a failed run never leaves a
 * half-written file that looks complete. `transform` (e.g. a BGZF compressor) is applied
 * before the bytes reach their destination. The file is declared as the stage's output.
 */
export function openOutput(ctx: StageContext<unknown>, path: string, transform?: Duplex): Output {
  if (path === '-') return streamOutput(ctx.stdout(), transform, false);
  const file = ctx.resolvePath(path);
  // Declared here, so that no stage can forget it: a cached stage whose file is gone re-runs.
  ctx.declareOutputFile(file);
  // A device or a pipe (/dev/null, /dev/fd/3 of `>(bgzip > x.gz)`) is written as it is:
  // renaming a temporary file over it would replace it.
  if (isStream(file)) return streamOutput(createWriteStream(file), transform, true);
  // Results usually go to a fresh output folder.
  mkdirSync(dirname(file), { recursive: true });
  removeDeadTemps(file);
  const temp = join(dirname(file), `.${basename(file)}.${hostname()}.${process.pid}.${Date.now()}.partial`);
  const stream = createWriteStream(file === temp ? `${temp}~` : temp, { flush: true });
  const out = streamOutput(stream, transform, true);
  const named = (err: unknown) => {
    throw namingPath(err, file);
  };
  return {
    write: (chunk) => out.write(chunk).catch(named),
    async commit() {
      await out.commit().catch(named);
      await rename(temp, file);
    },
    async discard() {
      await out.discard();
      await rm(temp, { force: true });
    },
  };
}

/** Whether `path` exists and is neither a regular file nor a folder (a device, a FIFO, a socket). */
export function isStream(path: string): boolean {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats !== undefined && !stats.isFile() && !stats.isDirectory();
}

/** Removes the temporary files that killed runs of this host left beside `file`. */
function removeDeadTemps(file: string): void {
  const prefix = `.${basename(file)}.${hostname()}.`;
  for (const name of readdirSync(dirname(file))) {
    const pid = name.startsWith(prefix) && /^(\d+)\.\d+\.partial~?$/.exec(name.slice(prefix.length))?.[1];
    if (pid && !pidAlive(Number(pid))) rmSync(join(dirname(file), name), { force: true });
  }
}

/**
 * Writes every chunk to `-` or a file and commits it; on any error the partial output is
 * dropped and the error rethrown.
 */
export async function writeOutput(
  ctx: StageContext<unknown>,
  path: string,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  transform?: Duplex,
): Promise<void> {
  const out = openOutput(ctx, path, transform);
  try {
    for await (const chunk of chunks) await out.write(chunk);
    await out.commit();
  } catch (err) {
    await out.discard();
    throw err;
  }
}

function streamOutput(destination: Writable, transform: Duplex | undefined, end: boolean): Output {
  const head: Duplex = transform ?? new PassThrough();
  const flowing = pipeline(head, destination, { end }).catch((err: Error) => err);
  let failure: Error | undefined;
  flowing.then((result) => {
    if (result instanceof Error) failure = result;
  });
  return {
    async write(chunk) {
      if (failure) throw failure;
      if (!head.write(chunk)) {
        await Promise.race([
          once(head, 'drain'),
          flowing.then((e) => Promise.reject(e ?? new Error('output closed'))),
        ]);
      }
    },
    async commit() {
      head.end();
      const result = await flowing;
      if (result instanceof Error) throw result;
    },
    async discard() {
      head.destroy();
      await flowing;
    },
  };
}
