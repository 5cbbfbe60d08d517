import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/cli/load.js';
import { Channel } from '../../src/engine/channel.js';
import { createReporter, type ProgressReporter, type StageProgress } from '../../src/engine/progress.js';
import { runWorkflow } from '../../src/engine/run.js';
import { tempDir, testkitPlugin, writeFile } from '../helpers.js';

interface Probe {
  produced: number;
  consumed: number;
  maxInFlight: number;
  closed: boolean;
}
const probe = () => (globalThis as unknown as { __testkit: Probe }).__testkit;

async function run(
  yaml: string,
  options: { capacity?: number; signal?: AbortSignal; reporter?: ProgressReporter } = {},
) {
  const dir = tempDir('run');
  const file = writeFile(dir, 'wf.yaml', `name: t\nplugins: [${testkitPlugin}]\n${yaml}`);
  const { plan, registry } = await loadPlan({ workflow: file });
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const result = await runWorkflow({
    plan,
    registry,
    workDir: join(dir, '.genoflow'),
    baseDir: dir,
    threads: 1,
    resume: false,
    reuseStdin: false,
    stdin: Readable.from([]),
    stdout,
    logLevel: 'error',
    signal: options.signal ?? new AbortController().signal,
    reporter: options.reporter ?? (await createReporter('off')),
    channelCapacity: options.capacity,
  });
  return { result, stdout: () => Buffer.concat(chunks).toString() };
}

describe('channel', () => {
  it('never buffers more than its capacity while a slow consumer reads', async () => {
    const channel = new Channel<number>(8);
    const producing = (async () => {
      for (let i = 0; i < 500; i++) if (!channel.push(i)) await channel.room();
      channel.close();
    })();
    let seen = 0;
    for await (const n of channel) {
      expect(n).toBe(seen++);
      if (seen % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await producing;
    expect(seen).toBe(500);
    expect(channel.maxBuffered).toBeLessThanOrEqual(8);
  });
});

describe('streaming execution', () => {
  it('a fast producer stays within the buffer bound of a slow consumer', async () => {
    const { result } = await run(
      'stages:\n  src:\n    uses: testkit.count\n    with: { n: 2000 }\n  sink:\n    uses: testkit.slow\n    from: src\n    with: { delay-ms: 0.2 }\n',
      { capacity: 16 },
    );
    expect(result.status).toBe('COMPLETED');
    expect(probe().consumed).toBe(2000);
    // in flight = the channel's buffer plus the batch the consumer is working through
    expect(probe().maxInFlight).toBeGreaterThan(0);
    expect(probe().maxInFlight).toBeLessThanOrEqual(2 * 16 + 1);
  });

  it('an endless producer stops when a downstream stage throws', async () => {
    const { result } = await run(
      'stages:\n  src:\n    uses: testkit.count\n  boom:\n    uses: testkit.fail\n    from: src\n    with: { after: 100 }\n  sink:\n    uses: testkit.slow\n    from: boom\n    with: { delay-ms: 0 }\n',
    );
    expect(result.status).toBe('FAILED');
    // Its scratch dir held nothing, so it is gone and not named.
    expect(result.error?.message).toBe('stage "boom" failed: planned failure after 100 records');
    expect(probe().closed).toBe(true);
    const status = Object.fromEntries(result.rows.map((r) => [r.stage, r.status]));
    expect(status).toEqual({ src: 'ABORTED', boom: 'FAILED', sink: 'ABORTED' });
  });

  it('fans out one output to two consumers, and fans in named inputs', async () => {
    const dir = tempDir('fan');
    const out = join(dir, 'pairs.tsv');
    const { result } = await run(
      `stages:\n  src:\n    uses: testkit.count\n    with: { n: 1000 }\n  pairs:\n    uses: testkit.pair\n    from: { left: src, right: src }\n  out:\n    uses: table.write\n    from: pairs\n    with: { path: ${out} }\n`,
    );
    expect(result.error?.message).toBeUndefined();
    const lines = execFileSync('cat', [out]).toString().trim().split('\n');
    expect(lines[0]).toBe('left\tright');
    expect(lines).toHaveLength(1001);
    expect(lines[1000]).toBe('999\t999');
    expect(result.rows.find((r) => r.stage === 'src')!.bytes_out).toBeGreaterThan(0); // consumed twice: stored
  });

  it('on-error: finish lets an independent branch complete', async () => {
    const dir = tempDir('finish');
    const out = join(dir, 'ok.txt');
    const { result } = await run(
      `stages:\n  a:\n    uses: testkit.count\n    with: { n: 50 }\n  bad:\n    uses: testkit.fail\n    from: a\n    with: { after: 3 }\n    on-error: finish\n  badsink:\n    uses: testkit.slow\n    from: bad\n  b:\n    uses: testkit.count\n    with: { n: 300, delay-ms: 1 }\n  good:\n    uses: text.write\n    from: b\n    with: { path: ${out} }\n`,
    );
    expect(result.status).toBe('FAILED');
    const status = Object.fromEntries(result.rows.map((r) => [r.stage, r.status]));
    expect(status.bad).toBe('FAILED');
    expect(status.badsink).toBe('ABORTED');
    expect(status.good).toBe('COMPLETED');
    expect(execFileSync('wc', ['-l', out]).toString()).toMatch(/^300 /);
  });

  it('reports records live while stages run (sinks count what they took in)', async () => {
    const tracked: StageProgress[] = [];
    const midway: Record<string, boolean> = {};
    const timer = setInterval(() => {
      for (const p of tracked) {
        const n = p.records();
        if (!p.done && n > 0 && n < 3000) midway[p.name] = true;
      }
    }, 2);
    await run(
      'stages:\n  src:\n    uses: testkit.count\n    with: { n: 3000 }\n  sink:\n    uses: testkit.slow\n    from: src\n    with: { delay-ms: 0.2 }\n',
      { capacity: 16, reporter: { track: (p) => tracked.push(p), stop() {} } },
    );
    clearInterval(timer);
    // both were seen part way through, not only at the end
    expect(midway).toEqual({ src: true, sink: true });
  });

  it('aborts every stage on a signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 100);
    const { result } = await run(
      'stages:\n  src:\n    uses: testkit.count\n  sink:\n    uses: testkit.slow\n    from: src\n',
      {
        signal: controller.signal,
      },
    );
    expect(result.status).toBe('ABORTED');
    expect(probe().closed).toBe(true);
  });
});
