import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { namingPath } from '../plugin-api/fs-error.js';
import { writeJsonAtomic } from './cache.js';
import { xxhash128 } from './fingerprint.js';

interface SpoolRecord {
  file: string;
  hash: string;
  bytes: number;
}

/** The cache-key path under which stdin's content fingerprint is recorded. */
export const STDIN_PATH = '<stdin>';

/**
 * The output-file path under which a stage that wrote the run's stdout is recorded: what
 * it wrote is gone once the run ends, so a resumed run writes it again.
 */
export const STDOUT_PATH = '<stdout>';

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
    /** Stops feeding the reader and spools the rest of stdin (a failed run's). */
    readonly finish: () => Promise<void> = async () => {},
  ) {}

  /**
   * Streams `input` to the reader and to `stdin/RUN.bin` at once. If the reader goes away
   * (its stage failed), `finish` reads the rest into the spool so `--reuse-stdin` has it all.
   */
  static live(workDir: string, runId: string, input: Readable): StdinSpool {
    const file = join(workDir, 'stdin', `${runId}.bin`);
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    let started: Promise<string> | undefined;
    const spoolAll = async (): Promise<string> => {
      const spool = createWriteStream(file, { mode: 0o600 });
      const hasher = await xxhash128();
      hasher.init();
      let bytes = 0;
      try {
        for await (const chunk of input as AsyncIterable<Buffer>) {
          hasher.update(chunk);
          bytes += chunk.length;
          if (!spool.write(chunk)) await once(spool, 'drain');
          if (!out.destroyed && !out.write(chunk))
            await Promise.race([once(out, 'drain'), once(out, 'close')]);
        }
        out.end();
        await new Promise<void>((res, rej) => spool.end((err?: Error | null) => (err ? rej(err) : res())));
      } catch (caught) {
        // A spool that could not be written whole (a full disk) is of no use: free its space.
        const err = namingPath(caught, file) as Error;
        out.destroy(err);
        spool.destroy();
        await rm(file, { force: true });
        throw err;
      }
      const digest = hasher.digest();
      await writeJsonAtomic(join(workDir, 'stdin', 'last.json'), {
        file,
        hash: digest,
        bytes,
      } satisfies SpoolRecord);
      return digest;
    };
    let resolveHash!: (hash: string) => void;
    let rejectHash!: (err: unknown) => void;
    const hash = new Promise<string>((res, rej) => {
      resolveHash = res;
      rejectHash = rej;
    });
    hash.catch(() => {});
    const start = () => {
      started ??= spoolAll();
      started.then(resolveHash, rejectHash);
      return started;
    };
    return new StdinSpool(
      () => {
        start();
        return out;
      },
      hash,
      async () => {
        if (!started) return;
        out.destroy();
        await started.catch(() => {});
      },
    );
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
