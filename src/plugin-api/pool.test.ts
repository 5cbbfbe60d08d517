import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPool, mapInOrder } from './pool.js';

type Task = { op: 'double'; values: Float64Array; delay: number } | { op: 'fail' } | { op: 'spin' };
type Result = { values: Float64Array; thread: number };

let worker: string;

// A worker written on the fly: plain ESM, importing piscina by absolute URL.
beforeAll(async () => {
  const piscina = pathToFileURL(createRequire(import.meta.url).resolve('piscina')).href;
  worker = join(await mkdtemp(join(tmpdir(), 'pool-test-')), 'worker.mjs');
  await writeFile(
    worker,
    `import { threadId } from 'node:worker_threads';
import piscina from '${piscina}';
const { move } = piscina;
export default async function (task) {
  if (task.op === 'fail') throw new Error('bad input');
  if (task.op === 'spin') for (;;);
  await new Promise((resolve) => setTimeout(resolve, task.delay));
  const values = task.values.map((v) => v * 2);
  return move({ [piscina.transferableSymbol]: [values.buffer], [piscina.valueSymbol]: { values, thread: threadId } });
}
`,
  );
});

async function* numbers(n: number, pulled: number[]) {
  for (let i = 0; i < n; i++) {
    pulled.push(i);
    yield i;
  }
}

describe('createPool', () => {
  it('yields results in input order with a bounded number in flight, moving buffers both ways', async () => {
    const pool = createPool<Task, Result>({ worker, threads: 2 });
    const pulled: number[] = [];
    const sent: Float64Array[] = [];
    const out: number[] = [];
    const threads = new Set<number>();
    for await (const { input, result } of pool.map(
      numbers(20, pulled),
      (i) => {
        const values = new Float64Array([i, i + 0.5]);
        sent.push(values);
        // Later tasks finish first: order must still hold.
        return { task: { op: 'double', values, delay: (20 - i) * 2 }, transfer: [values.buffer] };
      },
      { maxInFlight: 3 },
    )) {
      expect(pulled.length - out.length).toBeLessThanOrEqual(3);
      expect([...result.values]).toEqual([2 * input, 2 * input + 1]);
      out.push(input);
      threads.add(result.thread);
    }
    expect(out).toEqual([...Array(20).keys()]);
    expect(threads.size).toBe(2);
    expect(sent.every((values) => values.byteLength === 0)).toBe(true);
  });

  it('turns a worker error into an error naming the input, and closes the pool', async () => {
    const pool = createPool<Task, Result>({ worker, threads: 1 });
    const failing = pool.map(numbers(2, []), () => ({ task: { op: 'fail' } }), {
      describe: (i) => `item ${i}`,
    });
    await expect(failing.next()).rejects.toThrow('item 0: bad input');
    const after = pool.run({ op: 'double', values: new Float64Array([1]), delay: 0 });
    await expect(after).rejects.toThrow('closed');
  });

  it('stops running tasks when the signal aborts', async () => {
    const controller = new AbortController();
    const pool = createPool<Task, Result>({ worker, threads: 2, signal: controller.signal });
    const mapped = pool.map(numbers(4, []), () => ({ task: { op: 'spin' } }));
    setTimeout(() => controller.abort(new Error('stop now')), 200);
    const started = Date.now();
    await expect(mapped.next()).rejects.toThrow('stop now');
    expect(Date.now() - started).toBeLessThan(5000);
    await pool.close();
  });
});

describe('mapInOrder', () => {
  const options = (inline: number[]) => ({
    worker,
    threads: 2,
    isTiny: (n: number) => n < 100,
    toTask: (n: number) => ({ task: { op: 'double' as const, values: new Float64Array([n]), delay: 0 } }),
    inline: (n: number) => {
      inline.push(n);
      return { values: new Float64Array([n * 2]), thread: 0 };
    },
  });

  it('runs a single tiny input inline and anything more in the pool', async () => {
    const inline: number[] = [];
    const results = async (inputs: number[], threads = 2) => {
      const out: number[] = [];
      for await (const { result } of mapInOrder<number, Task, Result>(toAsync(inputs), {
        ...options(inline),
        threads,
      })) {
        out.push(result.values[0]!);
      }
      return out;
    };
    expect(await results([7])).toEqual([14]);
    expect(inline).toEqual([7]);
    expect(await results([500])).toEqual([1000]);
    expect(await results([1, 2, 3])).toEqual([2, 4, 6]);
    expect(inline).toEqual([7]);
    expect(await results([1, 2, 3], 0)).toEqual([2, 4, 6]);
    expect(inline).toEqual([7, 1, 2, 3]);
  });
});

async function* toAsync<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}
