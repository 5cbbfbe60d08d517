import { join } from 'node:path';
import { StageCache } from '../../engine/cache.js';
import { decide } from '../../engine/decide.js';
import { FingerprintStore } from '../../engine/fingerprint.js';
import { createLogger } from '../../engine/logger.js';
import { StdinSpool } from '../../engine/stdin.js';
import { listRuns } from '../../engine/workdir.js';
import { didYouMean, WorkflowError } from '../../workflow/errors.js';
import { loadPlan, type WorkflowArgs } from '../load.js';

/**
 * Says whether `--resume` would reuse STAGE, and if not which part of its key changed: a
 * line per task for a fanned-out stage named without its item (`profile` for `profile[S1]`...).
 */
export async function whyCommand(args: WorkflowArgs & { stage: string; workDir: string }): Promise<void> {
  const { plan } = await loadPlan(args);
  const tasks = plan.byName.has(args.stage)
    ? [args.stage]
    : plan.stages.filter((s) => s.group === args.stage).map((s) => s.name);
  if (!tasks.length) {
    throw new WorkflowError(
      `no stage "${args.stage}" in ${plan.workflow.file}${didYouMean(args.stage, new Set(plan.stages.map((s) => s.group)))}`,
    );
  }
  const name = plan.workflow.spec.name;
  if (!(await listRuns(args.workDir)).some((r) => r.workflow === name)) {
    for (const task of tasks)
      process.stdout.write(`${task}: runs: workflow ${name} has never run in ${args.workDir}\n`);
    return;
  }
  const last = await StdinSpool.last(args.workDir);
  const decisions = await decide({
    plan,
    cache: new StageCache(args.workDir),
    fingerprints: await FingerprintStore.open(join(args.workDir, 'fingerprints.json')),
    baseDir: process.cwd(),
    resume: true,
    stdinHash: async () => (last ? await last.hash : undefined),
    dryRun: true,
    log: createLogger('warn'),
  });
  for (const task of tasks) {
    const d = decisions.get(task)!;
    process.stdout.write(d.action === 'cached' ? `${task}: cached\n` : `${task}: runs: ${d.reason}\n`);
  }
}
