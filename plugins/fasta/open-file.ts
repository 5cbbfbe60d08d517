import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * A file kept open for many positioned reads. `@gmod/indexedfasta`'s own LocalFile opens
 * and closes the file on every read, which dominates the cost of fetching many regions.
 * Reads are synchronous: the regions a stage fetches are small, and a thread-pool round
 * trip per region costs more than the read itself.
 */
export class OpenFile {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  private descriptor(): number {
    this.fd ??= openSync(this.path, 'r');
    return this.fd;
  }

  async read(length: number, position = 0): Promise<Uint8Array<ArrayBuffer>> {
    const buffer = new Uint8Array(length);
    if (length === 0) return buffer;
    const bytesRead = readSync(this.descriptor(), buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  }

  async readFile(): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = await readFile(this.path);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Uint8Array<ArrayBuffer>;
  }

  async stat() {
    return fstatSync(this.descriptor());
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
