import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { createXXHash128 } from 'hash-wasm';
import { writeJsonAtomic } from './cache.js';

interface Remembered {
  size: number;
  mtimeMs: number;
  ino: number;
  hash: string;
}

/**
 * The wasm hasher, loaded when a file is first hashed (a resume of unchanged files needs none).
 * From hash-wasm's one-algorithm build: its main file carries every algorithm's wasm, ~270 kB
 * of CommonJS that costs ~25 ms to load, in each task of the process and slurm executors.
 */
export const xxhash128 = async () =>
  (
    createRequire(import.meta.url)('hash-wasm/dist/xxhash128.umd.min.js') as {
      createXXHash128: typeof createXXHash128;
    }
  ).createXXHash128();

/** Content hash of a file or directory (xxhash128), computed from its bytes. */
export async function hashFile(path: string): Promise<string> {
  const hasher = await xxhash128();
  hasher.init();
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 }))
    hasher.update(chunk as Buffer);
  return hasher.digest();
}

/**
 * Content fingerprints of input files, remembered by (path, size, mtime, inode) so a file
 * is hashed once; a touched file is re-hashed and keeps its fingerprint if its bytes are
 * the same.
 */
export class FingerprintStore {
  private entries: Record<string, Remembered> = {};
  private dirty = false;

  private constructor(private readonly file: string) {}

  static async open(file: string): Promise<FingerprintStore> {
    const store = new FingerprintStore(file);
    try {
      store.entries = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      store.entries = {};
    }
    return store;
  }

  async fingerprint(path: string): Promise<string> {
    const info = await stat(path);
    if (info.isDirectory()) return this.directoryFingerprint(path);
    const known = this.entries[path];
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs && known.ino === info.ino)
      return known.hash;
    const hash = await hashFile(path);
    this.entries[path] = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, hash };
    this.dirty = true;
    return hash;
  }

  /** The fingerprint if the file exists, else undefined. */
  async tryFingerprint(path: string): Promise<string | undefined> {
    return this.fingerprint(path).catch(() => undefined);
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    // Not fsynced: a record lost in a crash only means hashing a file again.
    await writeJsonAtomic(this.file, this.entries, false);
    this.dirty = false;
  }

  private async directoryFingerprint(dir: string): Promise<string> {
    const { readdir } = await import('node:fs/promises');
    const names = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => `${d.parentPath}/${d.name}`)
      .sort();
    const hasher = await xxhash128();
    hasher.init();
    for (const name of names) hasher.update(`${name.slice(dir.length)}\0${await this.fingerprint(name)}\n`);
    return hasher.digest();
  }
}
