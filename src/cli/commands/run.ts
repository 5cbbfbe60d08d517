import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../engine/logger.js';
import { createReporter } from '../../engine/progress.js';
import { provenanceOf } from '../../engine/provenance.js';
import { runWorkflow } from '../../engine/run.js';
import { runDir } from '../../engine/workdir.js';
import { WorkflowError } from '../../workflow/errors.js';
import { checkInputFiles } from '../../workflow/input-files.js';
import { parseMemory } from '../../workflow/resources.js';
import { exitWith } from '../exit.js';
import { loadPlan, type WorkflowArgs } from '../load.js';

export interface RunArgs extends WorkflowArgs {
  workDir: string;
  resume: boolean;
  reuseStdin: boolean;
  dryRun: boolean;
  threads: number;
  cpus: number;
  memory?: string;
  executor?: string;
  trace?: string;
  report?: string;
  backend?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export async function runCommand(args: RunArgs): Promise<void> {
  if (args.reuseStdin && !args.resume && !args.dryRun)
    throw Object.assign(new Error('--reuse-stdin needs --resume\nRun genoflow --help for usage.'), {
      exitCode: 2,
    });
  if (args.backend === 'tensorflow') {
    process.stderr.write('genoflow: --backend tensorflow is deprecated: it is called node\n');
    args.backend = 'node';
  }
  if (args.backend) process.env.GENOFLOW_TF_BACKEND = args.backend;
  // Installed before the plugins load (TensorFlow.js takes a second or more), so an early
  // Ctrl-C is handled: the run then stops before it takes the work dir's lock.
  const controller = new AbortController();
  let exitCode = 1;
  const interrupt = (signal: NodeJS.Signals, code: number) => () => {
    if (controller.signal.aborted) process.exit(code);
    exitCode = code;
    process.stderr.write(`genoflow: ${signal}: stopping every stage\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.once('SIGINT', interrupt('SIGINT', 130));
  process.once('SIGTERM', interrupt('SIGTERM', 143));
  createLogger(args.logLevel).debug('signal handlers installed; loading plugins');
  const { plan, registry, executor, slurm } = await loadPlan(args);
  checkInputFiles(plan);
  if (controller.signal.aborted) exitWith(exitCode);
  // A closed stdout (`| head`) ends the run quietly, as it would for any Unix filter.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      exitCode = 0;
      controller.abort(new Error('stdout closed'));
    }
  });
  const quiet = args.logLevel === 'error' || args.logLevel === 'warn';
  const started = new Date();
  const provenance = provenanceOf(plan, process.argv.slice(2));
  const result = await runWorkflow({
    plan,
    registry,
    workDir: args.workDir,
    baseDir: process.cwd(),
    threads: Math.max(1, args.threads),
    cpus: Math.max(1, args.cpus),
    executor: args.executor ?? executor,
    slurm,
    memory: args.memory === undefined ? 0 : parseMemory(args.memory, (m) => new WorkflowError(`--${m}`)),
    resume: args.resume || args.dryRun,
    reuseStdin: args.reuseStdin,
    stdin: process.stdin,
    stdout: process.stdout,
    logLevel: args.logLevel,
    signal: controller.signal,
    reporter: await createReporter(quiet || args.dryRun ? 'off' : process.stderr.isTTY ? 'tty' : 'lines'),
    dryRun: args.dryRun,
    provenance,
  });
  if (args.dryRun) {
    const width = plan.stages.reduce((w, s) => Math.max(w, s.name.length), 0);
    for (const d of result.decisions.values()) {
      process.stdout.write(`${d.stage.name.padEnd(width)}  ${d.action.padEnd(6)}  ${d.reason}\n`);
    }
    return;
  }
  const traceFile = join(runDir(args.workDir, result.id), 'trace.tsv');
  if (args.trace) await copyFile(traceFile, args.trace);
  if (args.report) {
    // Loaded only when asked for: Vega is large.
    const { writeReport } = await import('../../engine/report/index.js');
    const durationMs = Date.now() - started.getTime();
    for (const problem of await writeReport(args.report, { plan, result, started, durationMs, provenance }))
      process.stderr.write(`genoflow: report: ${problem}\n`);
    if (!quiet) process.stderr.write(`report: ${args.report}\n`);
  }
  const count = (status: string) => result.rows.filter((r) => r.status === status).length;
  if (!quiet) {
    process.stderr.write(
      `${result.rows.length} stages: ${count('CACHED')} cached, ${count('COMPLETED')} run, ${count('FAILED')} failed${count('ABORTED') ? `, ${count('ABORTED')} aborted` : ''} (run ${result.id}, trace ${traceFile})\n`,
    );
  }
  if (result.status !== 'COMPLETED') {
    if (result.error && result.status === 'ABORTED')
      process.stderr.write(`genoflow: ${result.error.message}\n`);
    exitWith(result.status === 'ABORTED' ? exitCode : 1);
  }
  exitWith(0);
}
