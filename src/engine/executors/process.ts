import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageState } from '../run-state.js';
import { runDir } from '../workdir.js';
import type { ExecutorFactory, TaskOutcome } from './executor.js';
import { applyOutcome, taskSpecOf, writeTaskSpec } from './task-spec.js';

/**
 * Runs each task as a child `genoflow exec-task`: it replays the committed entries it reads
 * and commits its own output, so only stored edges cross tasks.
 */
export const processExecutor: ExecutorFactory = (run) => {
  let tasks = 0;
  return {
    name: 'process',
    createHandler(group) {
      let finished: Promise<TaskOutcome> | undefined;
      return {
        nativeId: '',
        async submit() {
          const dir = join(runDir(run.options.workDir, run.id), 'tasks');
          await mkdir(dir, { recursive: true });
          const base = join(dir, String(++tasks));
          const spec = await taskSpecOf(run, group, base);
          await writeTaskSpec(base, spec);
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
          applyOutcome(state, await finished!);
        },
      };
    },
  };
};
