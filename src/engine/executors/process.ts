import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError, type StageState } from '../run-state.js';
import { runDir } from '../workdir.js';
import type { Executor, TaskOutcome, TaskSpec } from './executor.js';

let tasks = 0;

/**
 * Runs each task as a child `genoflow exec-task`: it replays the committed entries it reads
 * and commits its own output, so only stored edges cross tasks.
 */
export const processExecutor: Executor = {
  name: 'process',
  createHandler(run, group) {
    let finished: Promise<TaskOutcome> | undefined;
    return {
      nativeId: '',
      async submit() {
        const dir = join(runDir(run.options.workDir, run.id), 'tasks');
        await mkdir(dir, { recursive: true });
        const base = join(dir, String(++tasks));
        const entries: Record<string, string> = {};
        const members = new Set(group.map((s) => s.planned.name));
        for (const s of group)
          for (const up of Object.values(s.planned.inputs))
            if (!members.has(up)) entries[up] = await run.states.get(up)!.key.promise;
        const spec: TaskSpec = {
          run: run.id,
          workflowFile: run.options.plan.workflow.path,
          params: run.options.plan.params,
          stages: [...members],
          entries,
          workDir: run.options.workDir,
          baseDir: run.options.baseDir,
          threads: run.options.threads,
          logLevel: run.options.logLevel,
          outcomeFile: `${base}.outcome.json`,
        };
        await writeFile(`${base}.task.json`, JSON.stringify(spec));
        const child = spawn(process.execPath, [process.argv[1]!, 'exec-task', `${base}.task.json`], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        this.nativeId = String(child.pid ?? '');
        child.stdout.pipe(run.options.stdout, { end: false });
        const stop = () => child.kill('SIGTERM');
        const signals = [run.options.signal, ...group.map((s) => s.controller.signal)];
        for (const signal of signals) signal.addEventListener('abort', stop, { once: true });
        finished = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
          child.on('error', reject);
          child.on('close', (code, signal) => resolve([code, signal]));
        }).then(async ([code, signal]) => {
          for (const s of signals) s.removeEventListener('abort', stop);
          const text = await readFile(spec.outcomeFile, 'utf8').catch(() => undefined);
          if (text === undefined)
            throw new Error(
              `exec-task (pid ${this.nativeId}) ended with ${signal ?? `exit ${code}`} before reporting`,
            );
          return JSON.parse(text) as TaskOutcome;
        });
        finished.catch(() => {});
      },
      async outcome(state: StageState) {
        const outcome = (await finished!)[state.planned.name]!;
        state.attempt = outcome.attempt;
        if (outcome.start) state.start = outcome.start;
        state.recordsIn = () => outcome.recordsIn;
        state.recordsOut = outcome.recordsOut;
        state.bytesOut = outcome.bytesOut;
        state.counters = outcome.counters;
        if (outcome.status === 'COMPLETED') {
          state.key.resolve(outcome.key!);
          state.committed.resolve();
          return;
        }
        const error = new Error(outcome.error ?? outcome.status);
        // What the task saw as a consequence of another stage's failure is not this stage's.
        if (outcome.status === 'ABORTED') state.controller.abort(error);
        throw new StageError(state.planned.name, error, outcome.scratchDir ?? '');
      },
    };
  },
};
