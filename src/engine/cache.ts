import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { namingPath } from '../plugin-api/fs-error.js';
import type { ReportSection } from '../plugin-api/types.js';

/** What a stage's cache key is made of; kept so that `why` can say what changed. */
export interface KeyParts {
  plugin: string;
  version: string;
  uses: string;
  stage: string;
  params: unknown;
  /** Input port → the full key of the upstream stage. */
  inputs: Record<string, string>;
}

/** A file a stage read or wrote, by path relative to the run's base directory. */
export interface FileFingerprint {
  path: string;
  hash: string;
}

/** What a completed stage left in the index: enough to decide and to explain. */
export interface KeyRecord {
  parts: KeyParts;
  staticKey: string;
  key: string;
  files: FileFingerprint[];
  outputFiles: FileFingerprint[];
  /** Whether an output entry was committed under `key`. */
  stored: boolean;
  /** What the stage added to the report, shown again when it is cached. */
  report: ReportSection[];
}

export interface EntryManifest {
  key: string;
  stage: string;
  uses: string;
  records: number;
  bytes: number;
  /** CRC-32 of output.bin: fast to check before a replay, and sure to catch any burst of up to 32 flipped bits. */
  crc32: number;
  created: string;
}

/** A committed entry whose data does not match its manifest; the message names the entry. */
export class CorruptEntryError extends Error {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`cache entry ${dir} is corrupt (${problem})`);
    this.name = 'CorruptEntryError';
  }
}

/** An entry's frames: `u32 length, u8 kind, payload`. */
export const FRAME_RECORD = 0;
export const FRAME_LINES = 1;
export interface Frame {
  kind: number;
  payload: Buffer;
}

/** JSON with sorted keys, so equal values hash equally. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const staticKeyOf = (parts: KeyParts): string => sha256(stableJson(parts));

export const fullKeyOf = (staticKey: string, files: FileFingerprint[]): string =>
  sha256(`${staticKey}\n${stableJson([...files].sort((a, b) => a.path.localeCompare(b.path)))}`);

/**
 * The content-addressed stage cache in `<work>/cache`: an index from static key to the
 * last full key (with the files it read), and committed output entries by full key.
 * An entry becomes visible only when its manifest is written, after its data is synced.
 */
export class StageCache {
  readonly dir: string;
  constructor(workDir: string) {
    this.dir = join(workDir, 'cache');
  }

  private indexPath = (staticKey: string) => join(this.dir, 'index', `${staticKey}.json`);
  private lastPath = (workflow: string, stage: string) =>
    join(this.dir, 'last', encodeURIComponent(workflow), `${encodeURIComponent(stage)}.json`);
  entryDir = (key: string) => join(this.dir, 'entries', key);

  // Index records and manifests are small files, read synchronously: deciding a resume of
  // N stages costs N reads, not N round trips through the thread pool (a chain's lookups
  // wait on each other, and each round trip is slow on a busy machine).
  async lookup(staticKey: string): Promise<KeyRecord | undefined> {
    if (this.listed && !this.listed.index.has(`${staticKey}.json`)) return undefined;
    return readJsonSync<KeyRecord>(this.indexPath(staticKey));
  }

  /** The key record of a stage's most recent completion, for `why`. */
  async last(workflow: string, stage: string): Promise<KeyRecord | undefined> {
    if (this.listed?.workflow === workflow && !this.listed.last.has(`${encodeURIComponent(stage)}.json`))
      return undefined;
    return readJsonSync<KeyRecord>(this.lastPath(workflow, stage));
  }

  private listed?: { workflow: string; index: Set<string>; last: Set<string> };

  /**
   * Lists the index once, so that deciding 100,000 tasks that never ran opens no file for
   * them; until `forget()`, what is not listed is taken as not there.
   */
  async list(workflow: string): Promise<void> {
    const names = (dir: string) =>
      readdir(dir).then(
        (n) => new Set(n),
        () => new Set<string>(),
      );
    const [index, last] = await Promise.all([
      names(join(this.dir, 'index')),
      names(join(this.dir, 'last', encodeURIComponent(workflow))),
    ]);
    this.listed = { workflow, index, last };
  }

  forget(): void {
    this.listed = undefined;
  }

  async remember(workflow: string, record: KeyRecord): Promise<void> {
    // Not fsynced: a record lost in a crash only makes its stage run again.
    await Promise.all([
      writeJsonAtomic(this.indexPath(record.staticKey), record, false),
      writeJsonAtomic(this.lastPath(workflow, record.parts.stage), record, false),
    ]);
  }

  /** Keys verified by this process: each is read once before its first replay, not at every one. */
  private readonly verified = new Set<string>();

  /** The manifest of a committed entry (one written by this version), else undefined. */
  async manifest(key: string): Promise<EntryManifest | undefined> {
    const manifest = readJsonSync<EntryManifest>(join(this.entryDir(key), 'manifest.json'));
    return typeof manifest?.crc32 === 'number' ? manifest : undefined;
  }

  /**
   * Reads a committed entry whole and checks its size and CRC against the manifest, before
   * any of its records may be used. Returns what is wrong, or undefined when it is intact.
   * An entry over `readUpTo` bytes gets the size check only (what `--dry-run` can afford).
   */
  async verify(key: string, readUpTo = Number.POSITIVE_INFINITY): Promise<string | undefined> {
    if (this.verified.has(key)) return undefined;
    const manifest = await this.manifest(key);
    if (!manifest) return 'no manifest';
    let crc = 0;
    let size = 0;
    const handle = await open(join(this.entryDir(key), 'output.bin'), 'r').catch(() => undefined);
    if (!handle) return 'no output.bin';
    if (manifest.bytes > readUpTo) {
      const { size } = await handle.stat().finally(() => handle.close());
      return size === manifest.bytes ? undefined : `${size} bytes, its manifest says ${manifest.bytes}`;
    }
    try {
      const buffer = Buffer.allocUnsafe(4 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (!bytesRead) break;
        crc = crc32(buffer.subarray(0, bytesRead), crc);
        size += bytesRead;
      }
    } finally {
      await handle.close();
    }
    if (size !== manifest.bytes) return `${size} bytes, its manifest says ${manifest.bytes}`;
    if (crc !== manifest.crc32) return 'checksum mismatch';
    this.verified.add(key);
    return undefined;
  }

  /** Removes a committed entry (a corrupt one, so that the stage's next run replaces it). */
  async remove(key: string): Promise<void> {
    this.verified.delete(key);
    await rm(this.entryDir(key), { recursive: true, force: true });
  }

  /** Starts writing an entry under a temporary name that names its writer (host and pid). */
  async createWriter(stage: string, uses: string): Promise<EntryWriter> {
    const temp = join(
      this.dir,
      'entries',
      `${partialPrefix()}${process.pid}.${Date.now()}-${Math.random().toString(36).slice(2)}`,
    );
    await mkdir(temp).catch((err) => {
      throw namingPath(err, temp);
    });
    return new EntryWriter(this, temp, stage, uses);
  }

  /**
   * Frames of a committed entry, verified whole before the first one is given (a corrupt
   * entry is removed and throws CorruptEntryError): no record of a damaged entry is used.
   */
  async *replay(key: string): AsyncGenerator<Frame> {
    const problem = await this.verify(key);
    if (problem) {
      await this.remove(key);
      throw new CorruptEntryError(this.entryDir(key), problem);
    }
    let pending: Buffer = Buffer.alloc(0);
    for await (const chunk of createReadStream(join(this.entryDir(key), 'output.bin'), {
      highWaterMark: 1 << 20,
    })) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      let offset = 0;
      while (pending.length - offset >= 4) {
        const length = pending.readUInt32LE(offset);
        if (pending.length - offset - 4 < length) break;
        yield { kind: pending[offset + 4]!, payload: pending.subarray(offset + 5, offset + 4 + length) };
        offset += 4 + length;
      }
      pending = pending.subarray(offset);
    }
    if (pending.length) throw new CorruptEntryError(this.entryDir(key), 'ends inside a frame');
  }
}

/** Writes framed records and commits them atomically. */
export class EntryWriter {
  private handle: Awaited<ReturnType<typeof open>> | undefined;
  private buffer = Buffer.allocUnsafe(1 << 20);
  private buffered = 0;
  /** Filled buffers waiting to be written. */
  private full: Buffer[] = [];
  private crc = 0;
  records = 0;
  bytes = 0;

  constructor(
    private readonly cache: StageCache,
    private readonly temp: string,
    private readonly stage: string,
    private readonly uses: string,
  ) {}

  /** Adds one encoded record; call `flushIfFull` now and then to write what has piled up. */
  add(record: Uint8Array): void {
    this.frame(FRAME_RECORD, record);
    this.records++;
  }

  /** Adds a block of `count` lines (UTF-8) as one frame. */
  addBlock(bytes: Buffer, count: number): void {
    this.frame(FRAME_LINES, bytes);
    this.records += count;
  }

  private frame(kind: number, payload: Uint8Array): void {
    const needed = 5 + payload.byteLength;
    if (this.buffered + needed > this.buffer.length) this.spill(needed);
    this.buffer.writeUInt32LE(payload.byteLength + 1, this.buffered);
    this.buffer[this.buffered + 4] = kind;
    this.buffer.set(payload, this.buffered + 5);
    this.buffered += needed;
  }

  /** Writes the pending frames once a megabyte has piled up. */
  async flushIfFull(): Promise<void> {
    if (this.full.length || this.buffered >= 1 << 20) await this.flush();
  }

  private spill(needed: number): void {
    if (this.buffered) this.full.push(this.buffer.subarray(0, this.buffered));
    this.buffer = Buffer.allocUnsafe(Math.max(needed, 1 << 20));
    this.buffered = 0;
  }

  private get file(): string {
    return join(this.temp, 'output.bin');
  }

  private async flush(): Promise<void> {
    this.spill(0);
    const data = this.full.length === 1 ? this.full[0]! : Buffer.concat(this.full);
    this.full = [];
    if (!data.length) return;
    this.crc = crc32(data, this.crc);
    this.bytes += data.length;
    try {
      this.handle ??= await open(this.file, 'w');
      await this.handle.write(data);
    } catch (err) {
      throw namingPath(err, this.file);
    }
  }

  /** fsync the data, write the manifest last, then move the entry into place. */
  async commit(key: string): Promise<void> {
    await this.flush();
    try {
      this.handle ??= await open(this.file, 'w');
      await this.handle.sync();
      await this.handle.close();
    } catch (err) {
      throw namingPath(err, this.file);
    }
    const manifest: EntryManifest = {
      key,
      stage: this.stage,
      uses: this.uses,
      records: this.records,
      bytes: this.bytes,
      crc32: this.crc,
      created: new Date().toISOString(),
    };
    await writeJsonAtomic(join(this.temp, 'manifest.json'), manifest);
    const target = this.cache.entryDir(key);
    await rm(target, { recursive: true, force: true });
    await rename(this.temp, target);
  }

  async discard(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    await rm(this.temp, { recursive: true, force: true });
  }
}

function readJsonSync<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** How an uncommitted entry of this host is named: then its writer's pid. */
export const partialPrefix = () => `.partial-${hostname()}.`;

/** Writes JSON to a temp file (fsynced when `durable`) and renames it over `path`. */
export async function writeJsonAtomic(path: string, value: unknown, durable = true): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await open(temp, 'w').catch((err) => {
    throw namingPath(err, temp);
  });
  try {
    await handle.writeFile(JSON.stringify(value, null, 1));
    if (durable) await handle.sync();
  } catch (err) {
    await rm(temp, { force: true });
    throw namingPath(err, path);
  } finally {
    await handle.close().catch(() => {});
  }
  await rename(temp, path);
}
