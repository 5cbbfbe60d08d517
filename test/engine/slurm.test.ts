import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrace, type TraceRow } from '../../src/engine/trace.js';
import { cli, cliPath, repoRoot, tempDir, writeFile } from '../helpers.js';
import { sharedData } from '../shared-data.js';
import { wrapSlurmCommands } from '../slurm-commands.js';

/**
 * The slurm executor on a real SLURM: `scripts/slurm-local.sh start` brings up a one-node
 * cluster on localhost (`.ci/run` does, and sets GENOFLOW_REQUIRE_SLURM=1 so that these
 * tests fail rather than skip there). sbatch, squeue and scancel are wrapped on PATH to
 * count the calls the engine makes.
 */
const slurmUp = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' }).status === 0;
const required = process.env.GENOFLOW_REQUIRE_SLURM === '1';
const POLL_S = 1;

interface Project {
  dir: string;
  env: Record<string, string>;
  /** The SLURM commands the engine ran, in order: `sbatch --array=0-3 ...`. */
  calls: () => string[];
}

function project(name: string, workflow: string): Project {
  const dir = tempDir(`slurm-${name}`);
  const bin = join(dir, 'bin');
  const log = join(dir, 'calls.log');
  wrapSlurmCommands(bin, log);
  writeFile(dir, 'wf.yaml', workflow);
  writeFile(
    dir,
    'genoflow.config.yaml',
    `profiles:\n  cluster:\n    executor: slurm\n    slurm:\n      poll-interval: ${POLL_S}s\n`,
  );
  return {
    dir,
    env: { PATH: `${bin}:${process.env.PATH}` },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : []),
  };
}

const traceOf = (file: string) => parseTrace(readFileSync(file, 'utf8'));
const byStage = (rows: TraceRow[], f: (r: TraceRow) => unknown) =>
  Object.fromEntries(rows.map((r) => [r.stage, f(r)]));
const sbatchCalls = (p: Project) => p.calls().filter((c) => c.startsWith('sbatch '));

/** The run's jobs that SLURM lists as pending or running. */
const activeJobs = () =>
  execFileSync('squeue', ['-h', '-r', '-t', 'PD,R', '-o', '%i %j'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(' gf-'));

async function until(what: string, test: () => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The job-completion log's records (`JobCompType=jobcomp/filetxt`), by `ARRAYJOB_TASK` id. */
function completedJobs(): Map<string, string[]> {
  const config = execFileSync('scontrol', ['show', 'config'], { encoding: 'utf8' });
  const file = /JobCompLoc\s*=\s*(\S+)/.exec(config)![1]!;
  const jobs = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const field = (k: string) => new RegExp(`\\b${k}=(\\S+)`).exec(line)?.[1];
    const id = `${field('ArrayJobId')}_${field('ArrayTaskId')}`;
    if (!jobs.has(id)) jobs.set(id, []);
    jobs.get(id)!.push(field('JobState') ?? '');
  }
  return jobs;
}

describe.skipIf(!slurmUp && !required)('the slurm executor on a real local SLURM', () => {
  beforeAll(() => {
    if (!slurmUp) throw new Error('SLURM is not up: run scripts/slurm-local.sh start');
  });

  it('runs the cohort workflow over 4 shared BAMs as job arrays, byte-identical to in-process; the trace names jobs SLURM ran', async () => {
    const p = project('cohort', '');
    const bams = {
      ex1: 'bam/rsamtools/ex1.bam',
      ce: 'bam/htslib-ce/ce_1000.sorted.bam',
      mpileup: 'bam/bcftools-mpileup/mpileup.1.bam',
      paired: 'bam/bamjs/paired.bam',
    };
    const sheet = join(p.dir, 'sheet.tsv');
    const rows = Object.entries(bams).map(([s, b]) => `${s}\t${relative(dirname(sheet), sharedData(b))}`);
    writeFileSync(sheet, `sample\tbam\n${rows.join('\n')}\n`);
    const outputs: Record<string, Record<string, string>> = {};
    for (const executor of ['in-process', 'slurm']) {
      const out = join(p.dir, executor);
      const args = [
        'run',
        'workflows/cohort-kmer-profile.yaml',
        '-p',
        `samplesheet=${sheet}`,
        '-p',
        `outdir=${out}`,
      ];
      const run = await cli(
        [
          ...args,
          '--work-dir',
          join(p.dir, `work-${executor}`),
          '--config',
          join(p.dir, 'genoflow.config.yaml'),
          ...(executor === 'slurm' ? ['--profile', 'cluster'] : []),
          '--trace',
          join(p.dir, `${executor}.tsv`),
        ],
        { cwd: repoRoot, env: p.env },
      );
      expect(run.code, run.stderr).toBe(0);
      outputs[executor] = Object.fromEntries(
        readdirSync(out, { recursive: true, encoding: 'utf8' })
          .filter((f) => statSync(join(out, f)).isFile())
          .map((f) => [f, readFileSync(join(out, f), 'latin1')]),
      );
    }
    expect(Object.keys(outputs.slurm!).length).toBeGreaterThan(1);
    expect(outputs.slurm).toEqual(outputs['in-process']);
    const trace = traceOf(join(p.dir, 'slurm.tsv'));
    expect(trace.filter((r) => r.stage.startsWith('profile[')).length).toBe(4);
    expect(new Set(trace.map((r) => r.executor))).toEqual(new Set(['slurm']));
    const done = completedJobs();
    for (const row of trace) {
      expect(row.native_id).toMatch(/^\d+_\d+$/);
      expect(done.get(row.native_id), `${row.stage}: job ${row.native_id} in the jobcomp log`).toContain(
        'COMPLETED',
      );
    }
    // One array per wave of ready tasks, not one job per task.
    expect(sbatchCalls(p).length).toBeLessThan(trace.length);
  }, 180_000);

  it('a 200-task fan-out takes one sbatch (a job array) and at most one squeue per poll interval', async () => {
    const p = project(
      'fanout',
      `name: fanout
stages:
  work:
    uses: shell.run
    each: { folds: 200 }
    with: { command: "echo task \${each.fold}" }
  all:
    uses: text.write
    from: work
    gather: true
    with: { path: all.txt }
`,
    );
    const started = Date.now();
    const run = await cli(['run', 'wf.yaml', '--profile', 'cluster', '--trace', 't.tsv'], {
      cwd: p.dir,
      env: p.env,
    });
    const wallS = (Date.now() - started) / 1000;
    expect(run.code, run.stderr).toBe(0);
    const lines = readFileSync(join(p.dir, 'all.txt'), 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(Array.from({ length: 200 }, (_, i) => `task ${i}`));
    const trace = traceOf(join(p.dir, 't.tsv'));
    expect(new Set(trace.map((r) => r.native_id)).size).toBe(201);
    const sbatch = sbatchCalls(p);
    const squeue = p.calls().filter((c) => c.startsWith('squeue '));
    // The fan-out, then the gather: 2 arrays (the aim: <= 10 sbatch for 1,000 tasks).
    expect(sbatch.length).toBe(2);
    expect(sbatch[0]).toContain('--array=0-199');
    expect(squeue.length).toBeLessThanOrEqual(Math.ceil(wallS / POLL_S) + 1);
  }, 300_000);

  it('after kill -9 of the engine, --resume re-attaches to the running jobs: none is submitted twice', async () => {
    const p = project(
      'kill',
      `name: killed
stages:
  work:
    uses: shell.run
    each: [a, b, c, d]
    with: { command: "sleep 6; echo done \${each.value}" }
  all:
    uses: text.write
    from: work
    gather: true
    with: { path: all.txt }
`,
    );
    const engine = spawn('node', [cliPath, 'run', 'wf.yaml', '--profile', 'cluster', '-q'], {
      cwd: p.dir,
      env: { ...process.env, ...p.env },
      stdio: 'ignore',
    });
    await until('4 running jobs', () => activeJobs().length === 4);
    engine.kill('SIGKILL');
    await new Promise((r) => engine.on('close', r));
    expect(activeJobs().length).toBe(4);
    // The killed run wrote no trace; `genoflow log RUN` names its jobs from the journal.
    const [killed] = readdirSync(join(p.dir, '.genoflow/runs'));
    const log = await cli(['log', killed!], { cwd: p.dir });
    expect(log.code, log.stderr).toBe(0);
    const logged = log.stdout
      .toString()
      .split('\n')
      .filter((l) => /^\d+_\d+\t1\twork\[/.test(l));
    expect(logged.map((l) => l.split('\t')[0]).sort()).toEqual(
      activeJobs()
        .map((l) => l.split(' ')[0])
        .sort(),
    );

    const resumed = await cli(['run', 'wf.yaml', '--profile', 'cluster', '--resume', '--trace', 't.tsv'], {
      cwd: p.dir,
      env: p.env,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr.match(/re-attached to job \d+_\d+/g)?.length).toBe(4);
    expect(readFileSync(join(p.dir, 'all.txt'), 'utf8')).toBe('done a\ndone b\ndone c\ndone d\n');
    // The 4 tasks went in one array before the kill; after it, only the gather was submitted.
    const sbatch = sbatchCalls(p);
    expect(sbatch.length).toBe(2);
    expect(sbatch[0]).toContain('--array=0-3');
    expect(sbatch[1]).toContain('--array=0-0');
    const trace = traceOf(join(p.dir, 't.tsv'));
    // The re-attached tasks carry the first array's job id.
    const ids = trace.filter((r) => r.stage.startsWith('work[')).map((r) => r.native_id.split('_')[0]);
    expect(new Set(ids).size).toBe(1);
  }, 180_000);

  it('a job requeued while it runs (scontrol requeue) is still running: the run completes, no retry spent, no second job', async () => {
    const p = project(
      'requeue',
      `name: requeued
stages:
  work:
    uses: shell.run
    each: [x]
    retries: 2
    with: { command: "sleep 4; echo \${each.value} >> runs.txt; echo ok" }
`,
    );
    const engine = cli(['run', 'wf.yaml', '--profile', 'cluster', '--trace', 't.tsv'], {
      cwd: p.dir,
      env: p.env,
    });
    await until('the job to run', () => activeJobs().some((l) => l.length > 0));
    const id = activeJobs()[0]!.split(' ')[0]!;
    await until('the job to be RUNNING', () =>
      execFileSync('squeue', ['-h', '-j', id, '-o', '%T'], { encoding: 'utf8' }).includes('RUNNING'),
    );
    execFileSync('scontrol', ['requeue', id]);
    const run = await engine;
    expect(run.code, run.stderr).toBe(0);
    const [row] = traceOf(join(p.dir, 't.tsv'));
    expect(row!.status).toBe('COMPLETED');
    expect(row!.attempt).toBe(1);
    expect(row!.native_id).toBe(id);
    expect(sbatchCalls(p).length).toBe(1);
    expect(run.stderr).not.toMatch(/retrying/);
    // The requeued job ran again from the start (the interrupted run never reached its echo).
    expect(readFileSync(join(p.dir, 'runs.txt'), 'utf8')).toBe('x\n');
  }, 180_000);

  it('Ctrl-C cancels the run’s jobs with one scancel and releases the lock', async () => {
    const p = project(
      'interrupt',
      `name: interrupted
stages:
  work:
    uses: shell.run
    each: [a, b, c]
    with: { command: "sleep 60" }
`,
    );
    const engine = spawn('node', [cliPath, 'run', 'wf.yaml', '--profile', 'cluster'], {
      cwd: p.dir,
      env: { ...process.env, ...p.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    engine.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    await until('3 jobs', () => activeJobs().length === 3);
    engine.kill('SIGINT');
    const code = await new Promise((r) => engine.on('close', r));
    expect(code, stderr).toBe(130);
    expect(activeJobs()).toEqual([]);
    expect(p.calls().filter((c) => c.startsWith('scancel ')).length).toBe(1);
    expect(existsSync(join(p.dir, '.genoflow/lock'))).toBe(false);
  }, 120_000);

  it('a job exiting 3 is retried as a new job; one killed (exit 137) is reported as killed for memory and retried with twice the memory', async () => {
    const p = project(
      'retry',
      `name: retried
stages:
  flaky:
    uses: shell.run
    each: [a]
    retries: 1
    with: { command: "test -e tried-a || { touch tried-a; exit 3; }; echo a" }
  hungry:
    uses: shell.run
    each: [b]
    memory: 100 MB
    retries: 1
    on-retry: { memory: 2x }
    # As the OOM killer would: kill -9 the job's genoflow exec-task process (an ancestor).
    with: { command: "test -e tried-b || { touch tried-b; p=$PPID; while ! grep -q exec-task /proc/$p/cmdline; do p=$(cut -d' ' -f4 /proc/$p/stat); done; kill -9 $p; }; echo b" }
`,
    );
    const run = await cli(['run', 'wf.yaml', '--profile', 'cluster', '--trace', 't.tsv'], {
      cwd: p.dir,
      env: p.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\[flaky\[a\]\] attempt 1 \(job \d+_0\) failed: .*exited with status 3/);
    expect(run.stderr).toMatch(
      /\[hungry\[b\]\] attempt 1 \(job \d+_0\) failed: .*killed for memory.*asking for 200 MB/,
    );
    const trace = traceOf(join(p.dir, 't.tsv'));
    expect(byStage(trace, (r) => [r.status, r.attempt])).toEqual({
      'flaky[a]': ['COMPLETED', 2],
      'hungry[b]': ['COMPLETED', 2],
    });
    const mems = sbatchCalls(p)
      .map((c) => /--mem=(\S+)/.exec(c)?.[1])
      .filter(Boolean)
      .sort();
    expect(mems).toEqual(['100M', '200M']);
  }, 120_000);
});
