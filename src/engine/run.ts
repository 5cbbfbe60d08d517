import { join } from 'node:path';
import { StageCache } from './cache.js';
import { decide } from './decide.js';
import { FingerprintStore } from './fingerprint.js';
import { createLogger } from './logger.js';
import type { RunOptions, RunResult } from './run-state.js';
import { schedule, stageStates } from './scheduler.js';
import { prepareStdin } from './stdin-policy.js';
import { writeTrace } from './trace.js';
import { ensureWorkDir, lockWorkDir, newRunId, type RunRecord, runDir, saveRun } from './workdir.js';

export { type Attempt, type RunOptions, type RunResult, StageError } from './run-state.js';

/** Runs a planned workflow under the work dir's lock and records the run (`run.json`, trace). */
export async function runWorkflow(options: RunOptions): Promise<RunResult> {
  const { plan, workDir } = options;
  await ensureWorkDir(workDir);
  const id = newRunId();
  const unlock = await lockWorkDir(workDir, options.lockWaitMs ?? 0, {
    run: id,
    workflow: plan.workflow.spec.name,
  });
  const started = Date.now();
  const record: RunRecord = {
    id,
    workflow: plan.workflow.spec.name,
    workflowFile: plan.workflow.path,
    start: new Date(started).toISOString(),
    durationMs: 0,
    status: 'RUNNING',
    counts: { cached: 0, run: 0, failed: 0, aborted: 0 },
    keys: [],
    provenance: options.provenance,
  };
  try {
    if (!options.dryRun) await saveRun(workDir, record);
    const log = createLogger(options.logLevel);
    const cache = new StageCache(workDir);
    const fingerprints = await FingerprintStore.open(join(workDir, 'fingerprints.json'));

    const stdin = await prepareStdin(options, id);
    const decisions = await decide({
      plan,
      cache,
      fingerprints,
      baseDir: options.baseDir,
      resume: options.resume,
      stdinHash: stdin.hash,
      dryRun: options.dryRun,
      log,
    });
    if (options.dryRun) return { id, status: 'COMPLETED', rows: [], decisions, report: new Map() };
    const shared = { id, options, cache, fingerprints, decisions, stdin: stdin.spool, log };
    const result = await schedule({ ...shared, states: stageStates(shared) });
    // A failed run keeps all of the stdin it began to read, for `--resume --reuse-stdin`.
    if (result.status === 'FAILED') await stdin.spool().finish();
    await fingerprints.save();
    record.durationMs = Date.now() - started;
    record.status = result.status;
    for (const row of result.rows) {
      if (row.status === 'CACHED') record.counts.cached++;
      else if (row.status === 'COMPLETED') record.counts.run++;
      else if (row.status === 'FAILED') record.counts.failed++;
      else record.counts.aborted++;
      if (row.cache_key) record.keys.push(row.cache_key);
    }
    if (result.error) record.error = result.error.message;
    await writeTrace(join(runDir(workDir, id), 'trace.tsv'), result.rows);
    await saveRun(workDir, record);
    return { id, ...result, decisions };
  } finally {
    await unlock();
  }
}
