import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { inflateBgzf } from './bgzf.js';

/** Deterministic bytes that compress a little (so blocks differ in size), and their BGZF. */
function sample(size: number): { plain: Buffer; bgzf: Buffer } {
  const plain = Buffer.alloc(size);
  let seed = 7;
  for (let i = 0; i < size; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    plain[i] = 65 + ((seed >>> 24) & 7);
  }
  return { plain, bgzf: execFileSync('bgzip', ['-c'], { input: plain, maxBuffer: 1 << 26 }) };
}

async function inflateAll(chunks: Iterable<Buffer>): Promise<Buffer> {
  async function* source() {
    yield* chunks;
  }
  const out: Buffer[] = [];
  for await (const piece of inflateBgzf(source(), 'test')) out.push(piece);
  return Buffer.concat(out);
}

/** `bytes` cut into chunks of pseudo-random sizes from 1 byte to ~3 MiB. */
function* cut(bytes: Buffer, seed: number): Generator<Buffer> {
  for (let p = 0; p < bytes.length; ) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const size = 1 + Math.floor((seed / 2 ** 32) ** 3 * 3_000_000);
    yield bytes.subarray(p, p + size);
    p += size;
  }
}

describe('inflateBgzf', () => {
  const { plain, bgzf } = sample(6 << 20);

  test('a multi-MiB stream in one piece inflates to the original bytes', async () => {
    expect(bgzf.length).toBeGreaterThan(2 << 20);
    expect((await inflateAll([bgzf])).equals(plain)).toBe(true);
  });

  test.each([1, 2, 3, 4])('cut into chunks of random sizes (seed %i), blocks span chunks', async (seed) => {
    expect((await inflateAll(cut(bgzf, seed))).equals(plain)).toBe(true);
  });

  test('a stream cut inside a block, or without its EOF block, is an error', async () => {
    await expect(inflateAll([bgzf.subarray(0, bgzf.length - 100)])).rejects.toThrow(
      /test: truncated BGZF block at byte \d+/,
    );
    await expect(inflateAll([bgzf.subarray(0, bgzf.length - 28)])).rejects.toThrow(
      'test: BGZF EOF marker block is missing, the file is truncated',
    );
  });
});
