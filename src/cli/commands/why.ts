import { join } from 'node:path';
import { StageCache } from '../../engine/cache.js';
import { decide } from '../../engine/decide.js';
import { FingerprintStore } from '../../engine/fingerprint.js';
import { createLogger } from '../../engine/logger.js';
import { StdinSpool } from '../../engine/stdin.js';
import { listRuns } from '../../engine/workdir.js';
import { didYouMean, WorkflowError } from '../../workflow/errors.js';
import { loadPlan, type WorkflowArgs } from '../load.js';

/** Says whether `--resume` would reuse STAGE, and if not which part of its key changed. */
export async function whyCommand(args: WorkflowArgs & { stage: string; workDir: string }): Promise<void> {
  const { plan } = await loadPlan(args);
  if (!plan.byName.has(args.stage)) {
    throw new WorkflowError(
      `no stage "${args.stage}" in ${plan.workflow.file}${didYouMean(args.stage, plan.byName.keys())}`,
    );
  }
  const name = plan.workflow.spec.name;
  if (!(await listRuns(args.workDir)).some((r) => r.workflow === name)) {
    process.stdout.write(`${args.stage}: runs: workflow ${name} has never run in ${args.workDir}\n`);
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
  const d = decisions.get(args.stage)!;
  process.stdout.write(
    d.action === 'cached' ? `${args.stage}: cached\n` : `${args.stage}: runs: ${d.reason}\n`,
  );
}
