import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    process.stdout.write(await readFile(join(runDir(args.workDir, run.id), 'trace.tsv'), 'utf8'));
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
