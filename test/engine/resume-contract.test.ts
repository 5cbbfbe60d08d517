import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { withoutProvenance } from '../../plugins/vcf/test-helpers.js';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, cliPath, repoRoot, tempDir, writeFile } from '../helpers.js';

const samples = join(repoRoot, 'samples');

/** Runs the CLI in `dir` with a trace; returns stage → status and the rows too. */
async function runTraced(dir: string, args: string[], input?: string | Buffer | PassThrough) {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}.tsv`);
  const result = await cli(['run', ...args, '--trace', trace], { cwd: dir, input });
  if (!existsSync(trace))
    throw new Error(`genoflow ${args.join(' ')} wrote no trace (exit ${result.code}):\n${result.stderr}`);
  const rows = parseTrace(readFileSync(trace, 'utf8'));
  return { ...result, rows, status: Object.fromEntries(rows.map((r) => [r.stage, r.status])) };
}

/** A stored source, then a sink writing `path` (`-`: stdout). */
const sinks = {
  text: (path: string) =>
    `name: text-sink\nstages:\n  src:\n    uses: shell.run\n    with: { command: "seq 1 20000" }\n    store: true\n  out:\n    uses: text.write\n    from: src\n    with: { path: "${path}" }\n`,
  table: (path: string) =>
    `name: table-sink\nstages:\n  src:\n    uses: table.read\n    with: { path: "${samples}/cohort/phenotypes.tsv" }\n    store: true\n  out:\n    uses: table.write\n    from: src\n    with: { path: "${path}" }\n`,
  vcf: (path: string) =>
    `name: vcf-sink\nstages:\n  src:\n    uses: vcf.read\n    with: { path: "${samples}/variants/labelled.vcf" }\n    store: true\n  out:\n    uses: vcf.write\n    from: src\n    with: { path: "${path}" }\n`,
};

describe('the resume contract', () => {
  for (const [kind, workflow] of Object.entries(sinks)) {
    it(`${kind}.write -: --resume writes the same bytes to stdout, replaying the stored input`, async () => {
      const dir = tempDir(`stdout-${kind}`);
      writeFile(dir, 'wf.yaml', workflow('-'));
      const fresh = await runTraced(dir, ['wf.yaml']);
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(fresh.stdout.length).toBeGreaterThan(1000);
      const resumed = await runTraced(dir, ['wf.yaml', '--resume']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.status).toEqual({ src: 'CACHED', out: 'COMPLETED' });
      // A VCF says which run wrote it (##genoflowCommand): all else is the same bytes.
      const data = (out: Buffer) => (kind === 'vcf' ? withoutProvenance(out.toString()) : out.toString());
      expect(data(resumed.stdout)).toBe(data(fresh.stdout));
      const dry = await cli(['run', 'wf.yaml', '--resume', '--dry-run'], { cwd: dir });
      expect(dry.stdout.toString()).toMatch(/^out +run +writes stdout$/m);
    }, 60_000);
  }

  const files = { text: 'out/lines.txt', table: 'out/table.tsv', vcf: 'out/calls.vcf.gz' };
  for (const [kind, path] of Object.entries(files)) {
    it(`${kind}.write to a file: a deleted or edited output is rebuilt on --resume`, async () => {
      const dir = tempDir(`file-${kind}`);
      writeFile(dir, 'wf.yaml', sinks[kind as keyof typeof sinks](path));
      expect((await runTraced(dir, ['wf.yaml'])).code).toBe(0);
      const written = readdirSync(join(dir, 'out')).sort();
      // vcf.write of a .gz writes its .tbi too: both are declared.
      expect(written).toEqual(kind === 'vcf' ? ['calls.vcf.gz', 'calls.vcf.gz.tbi'] : [path.slice(4)]);
      // What a file holds, less what says which run wrote it: a VCF's ##genoflowCommand line
      // (and so the offsets its .tbi holds; the index is compared by what tabix reads from it).
      const content = (f: string) => {
        const path = join(dir, 'out', f);
        if (f.endsWith('.tbi')) return execFileSync('tabix', ['-l', path.slice(0, -4)]).toString();
        if (f.endsWith('.vcf.gz')) return withoutProvenance(gunzipSync(readFileSync(path)).toString());
        return readFileSync(path).toString('latin1');
      };
      const bytes = Object.fromEntries(written.map((f) => [f, content(f)]));
      expect((await runTraced(dir, ['wf.yaml', '--resume'])).status).toEqual({
        src: 'CACHED',
        out: 'CACHED',
      });
      for (const file of written) {
        for (const damage of ['delete', 'edit']) {
          if (damage === 'delete') rmSync(join(dir, 'out', file));
          else appendFileSync(join(dir, 'out', file), 'x');
          const resumed = await runTraced(dir, ['wf.yaml', '--resume']);
          expect(resumed.status, `${damage} ${file}`).toEqual({ src: 'CACHED', out: 'COMPLETED' });
          for (const f of written) expect(content(f), f).toBe(bytes[f]);
        }
      }
    }, 60_000);
  }

  it('a stdout-only workflow resumes without waiting for stdin (left open)', async () => {
    const dir = tempDir('stdout-open-stdin');
    writeFile(dir, 'wf.yaml', sinks.text('-'));
    const fresh = await runTraced(dir, ['wf.yaml']);
    const open = new PassThrough();
    const resumed = await runTraced(dir, ['wf.yaml', '--resume'], open);
    open.end();
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.equals(fresh.stdout)).toBe(true);
  }, 30_000);

  it('--reuse-stdin without --resume is a usage error', async () => {
    const dir = tempDir('reuse-usage');
    writeFile(dir, 'wf.yaml', sinks.text('-'));
    const result = await cli(['run', 'wf.yaml', '--reuse-stdin'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--reuse-stdin needs --resume/);
    expect(result.stdout.length).toBe(0);
  });

  it('blames the stored producer that failed first, not its consumer, with its own message', async () => {
    // p has streamed and stored ~35 MB when it fails: its partial entry takes a while to drop.
    const dir = tempDir('attribution');
    writeFile(
      dir,
      'wf.yaml',
      'name: blame\nstages:\n  src:\n    uses: shell.run\n    with: { command: "seq 1 8000000" }\n  p:\n    uses: shell.run\n    from: src\n    with: { command: "head -n 5000000; exit 7" }\n    store: true\n  w:\n    uses: shell.run\n    from: p\n    with: { command: "cat" }\n    store: true\n  out:\n    uses: text.write\n    from: w\n    with: { path: out.txt }\n',
    );
    for (let i = 0; i < 3; i++) {
      const result = await runTraced(dir, ['wf.yaml']);
      expect(result.code).toBe(1);
      expect(result.status).toEqual({ src: 'ABORTED', p: 'FAILED', w: 'ABORTED', out: 'ABORTED' });
      const own = /stage "p" failed: command head -n 5000000; exit 7 exited with status 7/;
      expect(result.stderr).toMatch(own);
      expect(result.stderr).not.toMatch(/stage "(w|out|src)" failed/);
      const runs = join(dir, '.genoflow/runs');
      const last = readdirSync(runs).sort().at(-1)!;
      expect(JSON.parse(readFileSync(join(runs, last, 'run.json'), 'utf8')).error).toMatch(own);
      expect(existsSync(join(dir, 'out.txt'))).toBe(false);
    }
  }, 90_000);

  it('ctx.progress.count counters reach the trace and the report', async () => {
    const dir = tempDir('counters');
    writeFile(
      dir,
      'wf.yaml',
      `name: counters\nstages:\n  sequences:\n    uses: seq.labelled\n    with: { classes: { other: "${samples}/promoters/negatives.fa", promoter: "${samples}/promoters/positives.fa" } }\n  out:\n    uses: text.write\n    from: sequences\n    with: { path: out.txt }\n`,
    );
    const count = (file: string) =>
      readFileSync(join(samples, 'promoters', file), 'utf8').split('>').length - 1;
    const result = await runTraced(dir, ['wf.yaml', '--report', 'report.html']);
    expect(result.code, result.stderr).toBe(0);
    const row = result.rows.find((r) => r.stage === 'sequences')!;
    const counters = `class:other=${count('negatives.fa')},class:promoter=${count('positives.fa')}`;
    expect(row.counters).toBe(counters);
    const table = readFileSync(join(dir, 'report.html'), 'utf8').match(
      /<table class="stages">.*?<\/table>/s,
    )![0];
    expect(table).toContain('<th>counters</th>');
    expect(table).toContain(`<td>${counters.replace(',', ', ')}</td>`);
    expect(row.records_out).toBe(count('negatives.fa') + count('positives.fa'));
    expect(result.rows.find((r) => r.stage === 'out')!.counters).toBe('');
  }, 30_000);

  it('one store rule: dag, the run and --dry-run agree that a retrying stage is stored', async () => {
    const dir = tempDir('store-rule');
    writeFile(
      dir,
      'wf.yaml',
      'name: rule\nstages:\n  src:\n    uses: shell.run\n    with: { command: "seq 1 1000" }\n    retries: 1\n  out:\n    uses: text.write\n    from: src\n    with: { path: out.txt }\n',
    );
    const dag = await cli(['dag', 'wf.yaml'], { cwd: dir });
    expect(dag.stdout.toString()).toMatch(/src<br\/>shell\.run<br\/>\(stored\)/);
    const run = await runTraced(dir, ['wf.yaml']);
    expect(run.rows.find((r) => r.stage === 'src')!.bytes_out).toBeGreaterThan(1000);
    rmSync(join(dir, 'out.txt'));
    const dry = await cli(['run', 'wf.yaml', '--resume', '--dry-run'], { cwd: dir });
    expect(dry.stdout.toString().split('\n').filter(Boolean)).toEqual([
      'src  cached  unchanged',
      'out  run     output out.txt: missing',
    ]);
  }, 30_000);

  it('a Ctrl-C while the plugins still load ends the run and leaves no lock', async () => {
    const dir = tempDir('early-sigint');
    // tfjs.* loads TensorFlow.js, which takes a second or more.
    writeFile(
      dir,
      'wf.yaml',
      `name: early\nstages:\n  sequences:\n    uses: seq.labelled\n    with: { classes: { other: "${samples}/promoters/negatives.fa", promoter: "${samples}/promoters/positives.fa" } }\n  tokens:\n    uses: kmer.encode\n    from: sequences\n  model:\n    uses: tfjs.train\n    from: tokens\n    with: { out: model }\n`,
    );
    const child = spawn('node', [cliPath, 'run', 'wf.yaml', '--log-level', 'debug'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((ready) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
        if (stderr.includes('loading plugins')) ready();
      }),
    );
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping every stage/);
    expect(existsSync(join(dir, '.genoflow/lock'))).toBe(false);
    expect(existsSync(join(dir, 'model'))).toBe(false);
  }, 30_000);
});
