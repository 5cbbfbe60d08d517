import { readFile } from 'node:fs/promises';
import type { TaskSpec } from '../../engine/executors/executor.js';
import { runTask } from '../../engine/executors/run-task.js';

/** The hidden `genoflow exec-task TASK.json`: one task of a run, for the process executor. */
export async function execTaskCommand(args: { task: string }): Promise<void> {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => controller.abort(new Error(`interrupted by ${signal}`)));
  const spec = JSON.parse(await readFile(args.task, 'utf8')) as TaskSpec;
  await runTask(spec, controller.signal);
}
