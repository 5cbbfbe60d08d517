import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createXXHash128 } from 'hash-wasm';
import { writeJsonAtomic } from './cache.js';

interface SpoolRecord {
  file: string;
  hash: string;
  bytes: number;
}

/** The cache-key path under which stdin's content fingerprint is recorded. */
export const STDIN_PATH = '<stdin>';

/**
 * The run's stdin, spooled into the work dir while it is read so that `--resume` can
 * replay it, and hashed so a changed stdin is detected.
 */
export class StdinSpool {
  private opened = false;
  private constructor(
    private readonly serve: () => Readable,
    /** The content hash; resolves once all of stdin has been read. */
    readonly hash: Promise<string>,
  ) {}

  /** Streams `input` to the consumer and to `stdin/RUN.bin` at once. */
  static live(workDir: string, runId: string, input: Readable): StdinSpool {
    const file = join(workDir, 'stdin', `${runId}.bin`);
    let resolveHash!: (hash: string) => void;
    let rejectHash!: (err: Error) => void;
    const hash = new Promise<string>((res, rej) => {
      resolveHash = res;
      rejectHash = rej;
    });
    hash.catch(() => {});
    return new StdinSpool(() => {
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      const spool = createWriteStream(file, { mode: 0o600 });
      (async () => {
        const hasher = await createXXHash128();
        hasher.init();
        let bytes = 0;
        await pipeline(
          input,
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              hasher.update(chunk);
              bytes += chunk.length;
              if (!spool.write(chunk)) await new Promise<void>((r) => spool.once('drain', () => r()));
              yield chunk;
            }
          },
          out,
        );
        await new Promise<void>((res, rej) => spool.end((err?: Error | null) => (err ? rej(err) : res())));
        const digest = hasher.digest();
        await writeJsonAtomic(join(workDir, 'stdin', 'last.json'), {
          file,
          hash: digest,
          bytes,
        } satisfies SpoolRecord);
        resolveHash(digest);
      })().catch((err: Error) => {
        out.destroy(err);
        spool.destroy();
        rejectHash(err);
      });
      return out;
    }, hash);
  }

  /** Serves a spool file written earlier. */
  static replay(file: string, hash: string): StdinSpool {
    return new StdinSpool(() => createReadStream(file, { highWaterMark: 1 << 20 }), Promise.resolve(hash));
  }

  /** The spool of the most recent run that read stdin, if any. */
  static async last(workDir: string): Promise<StdinSpool | undefined> {
    try {
      const record = JSON.parse(await readFile(join(workDir, 'stdin', 'last.json'), 'utf8')) as SpoolRecord;
      return StdinSpool.replay(record.file, record.hash);
    } catch {
      return undefined;
    }
  }

  /** Reads all of `input` into a new spool before anything runs (to compare it on resume). */
  static async full(
    workDir: string,
    runId: string,
    input: Readable,
  ): Promise<{ spool: StdinSpool; bytes: number }> {
    const live = StdinSpool.live(workDir, runId, input);
    let bytes = 0;
    for await (const chunk of live.open()) bytes += (chunk as Buffer).length;
    return { spool: StdinSpool.replay(join(workDir, 'stdin', `${runId}.bin`), await live.hash), bytes };
  }

  open(): Readable {
    if (this.opened) throw new Error('stdin can be read by only one stage of a run');
    this.opened = true;
    return this.serve();
  }
}
