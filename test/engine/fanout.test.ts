import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, tempDir, writeFile } from '../helpers.js';

const traceOf = (file: string) => parseTrace(readFileSync(file, 'utf8'));

describe('fan-out', () => {
  it('runs 6 tasks of cpus: 1 on --cpus 2 never more than 2 at once', async () => {
    const dir = tempDir('fanout-cpus');
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: par
stages:
  work:
    uses: shell.run
    each: [a, b, c, d, e, f]
    with: { command: "sleep 0.3; echo \${each.value}" }
    cpus: 1
`,
    );
    const run = await cli(['run', wf, '--cpus', '2', '--trace', join(dir, 't.tsv')], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const rows = traceOf(join(dir, 't.tsv'));
    expect(rows.map((r) => r.stage)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((i) => `work[${i}]`));
    const spans = rows.map((r) => [Date.parse(r.start), Date.parse(r.start) + r.duration_ms] as const);
    // never more than 2 at once, and 2 at once at some point
    const most = Math.max(
      ...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length),
    );
    expect(most).toBe(2);
  }, 60_000);

  it('runs tasks of memory: 1 GB on --memory "2 GB" two at a time, whatever --cpus allows', async () => {
    const dir = tempDir('fanout-memory');
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: mem
stages:
  work:
    uses: shell.run
    each: [a, b, c, d]
    with: { command: "sleep 0.3; echo \${each.value}" }
    memory: 1 GB
`,
    );
    const run = await cli(['run', wf, '--cpus', '8', '--memory', '2 GB', '--trace', join(dir, 't.tsv')], {
      cwd: dir,
    });
    expect(run.code, run.stderr).toBe(0);
    const spans = traceOf(join(dir, 't.tsv')).map((r) => [
      Date.parse(r.start),
      Date.parse(r.start) + r.duration_ms,
    ]);
    const most = Math.max(
      ...spans.map(([start]) => spans.filter(([s, e]) => s! <= start! && start! < e!).length),
    );
    expect(most).toBe(2);
  }, 60_000);

  it('runs a stage of max-parallel: 1 one task at a time, whatever --cpus allows', async () => {
    const dir = tempDir('fanout-forks');
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: forks
stages:
  work:
    uses: shell.run
    each: { folds: 4 }
    with: { command: "sleep 0.2; echo \${each.fold}" }
    max-parallel: 1
`,
    );
    const run = await cli(['run', wf, '--cpus', '4', '--trace', join(dir, 't.tsv')], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const spans = traceOf(join(dir, 't.tsv')).map((r) => [
      Date.parse(r.start),
      Date.parse(r.start) + r.duration_ms,
    ]);
    expect(spans).toHaveLength(4);
    for (const [start] of spans)
      expect(spans.filter(([s, e]) => s! <= start! && start! < e!)).toHaveLength(1);
  }, 60_000);

  it('kills a task over its time and says so; the other items of an on-error: finish stage complete', async () => {
    const dir = tempDir('fanout-time');
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: slow
stages:
  work:
    uses: shell.run
    each: [{ id: fast, wait: 0 }, { id: slow, wait: 30 }]
    with: { command: "sleep \${each.wait}; echo done" }
    time: 1s
    on-error: finish
`,
    );
    const started = Date.now();
    const run = await cli(['run', wf, '--trace', join(dir, 't.tsv')], { cwd: dir });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/stage "work\[slow\]" failed: killed: ran past its time limit of 1 s/);
    const rows = Object.fromEntries(traceOf(join(dir, 't.tsv')).map((r) => [r.stage, r]));
    expect(rows['work[fast]']!.status).toBe('COMPLETED');
    expect(rows['work[slow]']).toMatchObject({
      status: 'FAILED',
      error: 'killed: ran past its time limit of 1 s',
    });
  }, 60_000);

  it('shows one node per stage in dag, and one line per task in --dry-run', async () => {
    const dir = tempDir('fanout-dag');
    writeFile(dir, 'sheet.csv', 'sample,reads\nS1,a.tsv\nS2,b.tsv\n');
    writeFile(dir, 'a.tsv', 'v\nx\n');
    writeFile(dir, 'b.tsv', 'v\ny\n');
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: dag
stages:
  lines:
    uses: table.read
    each: { sheet: sheet.csv }
    with: { path: "\${each.reads}" }
  all:
    uses: table.write
    from: lines
    gather: true
    with: { path: out.tsv }
`,
    );
    const dag = await cli(['dag', wf], { cwd: dir });
    expect(dag.code, dag.stderr).toBe(0);
    expect(dag.stdout.toString()).toContain('lines["lines<br/>table.read<br/>(each: sheet sheet.csv: 2)');
    expect(dag.stdout.toString()).toContain('all[/"all<br/>table.write<br/>(gather)"/]');
    const run = await cli(['run', wf, '--report', 'report.html'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    // the report's DAG: a box per stage of the file, its tasks summed up
    const report = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(report.match(/class="dag-node"/g)).toHaveLength(2);
    expect(report).toContain('>(each: sheet sheet.csv: 2)</text>');
    expect(report).toContain('>2 tasks: 2 COMPLETED · 2 out</text>');
    // each record tagged with its item, in item order
    expect(readFileSync(join(dir, 'out.tsv'), 'utf8')).toBe('item\tv\nS1\tx\nS2\ty\n');
    writeFile(dir, 'b.tsv', 'v\nz\n');
    const why = await cli(['why', wf, 'lines'], { cwd: dir });
    expect(why.stdout.toString()).toBe('lines[S1]: cached\nlines[S2]: runs: input b.tsv: content changed\n');
    const dry = await cli(['run', wf, '--dry-run'], { cwd: dir });
    expect(dry.stdout.toString()).toMatch(
      /^lines\[S1\] +cached +unchanged\nlines\[S2\] +run +input b\.tsv: content changed\nall +run +upstream stage lines\[S2\] changed\n$/,
    );
  }, 60_000);

  it('names file:line:col for a bad each:, an unknown item field and a malformed sheet', async () => {
    const dir = tempDir('fanout-errors');
    writeFile(dir, 'sheet.tsv', 'sample\tbam\nS1\ta.bam\nS2\n');
    const bad = writeFile(
      dir,
      'bad.yaml',
      `name: bad
stages:
  a:
    uses: shell.run
    each: { sheets: x.tsv }
    with: { command: "echo" }
  b:
    uses: shell.run
    each: [x, y]
    with: { command: "echo \${each.valeu}" }
  c:
    uses: shell.run
    each: { sheet: sheet.tsv }
    with: { command: "echo" }
`,
    );
    const result = await cli(['validate', bad], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'bad.yaml:5:13: each: expected exactly one of sheet, glob, folds, regions',
    );
    expect(result.stderr).toContain(
      'bad.yaml:10:22: "echo ${each.valeu}": the items have no field "valeu" (did you mean "value"?); their fields are value, index',
    );
    expect(result.stderr).toContain('sheet.tsv:3: expected 2 tab-separated fields (sample, bam), found 1');
  }, 60_000);
});
