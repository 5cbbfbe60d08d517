import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskSpec } from '../../engine/executors/executor.js';
import { readJournal } from '../../engine/executors/slurm/journal.js';
import { versionsLine } from '../../engine/provenance.js';
import { listRuns, runDir } from '../../engine/workdir.js';
import { WorkflowError } from '../../workflow/errors.js';

/** Lists runs (id, start, duration, status, workflow, counts), or prints one run's trace. */
export async function logCommand(args: { run?: string; workDir: string }): Promise<void> {
  const runs = await listRuns(args.workDir);
  if (args.run) {
    const run = runs.find((r) => r.id === args.run || r.id.startsWith(args.run!));
    if (!run) throw new WorkflowError(`no run "${args.run}" in ${args.workDir}`);
    // How the run was made, as comment lines above its trace.
    const made = run.provenance;
    if (made) {
      process.stdout.write(
        `# command: ${made.command}\n# cwd: ${made.cwd}\n# versions: ${versionsLine(made)}\n# params: ${JSON.stringify(made.params)}\n`,
      );
    }
    const trace = await readFile(join(runDir(args.workDir, run.id), 'trace.tsv'), 'utf8').catch(
      () => undefined,
    );
    if (trace !== undefined) {
      process.stdout.write(trace);
      return;
    }
    // A run killed before it wrote its trace: the SLURM jobs it submitted, from its journal.
    const jobs = await readJournal(args.workDir, run.id);
    if (!jobs.length)
      throw new WorkflowError(`run ${run.id} (${run.status}) has no trace: it did not finish`);
    process.stdout.write(
      `# no trace: the run did not finish (${run.status}); its SLURM jobs:\nnative_id\tattempt\tstages\n`,
    );
    for (const job of jobs) {
      const stages = await readFile(`${job.base}.task.json`, 'utf8').then(
        (text) => (JSON.parse(text) as TaskSpec).stages.join(','),
        () => '',
      );
      process.stdout.write(`${job.job ?? `${job.name}[${job.index}]`}\t${job.attempt}\t${stages}\n`);
    }
    return;
  }
  const rows = [['run', 'start', 'duration', 'status', 'workflow', 'cached', 'run', 'failed']];
  for (const r of runs) {
    rows.push([
      r.id,
      r.start,
      `${(r.durationMs / 1000).toFixed(1)}s`,
      r.status,
      r.workflow,
      ...[r.counts.cached, r.counts.run, r.counts.failed].map(String),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  process.stdout.write(
    rows
      .map((row) =>
        row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n',
  );
}
