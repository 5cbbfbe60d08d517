import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type WorkflowError, WorkflowErrors } from './errors.js';
import type { Plan } from './plan.js';

/** What is wrong with `file` as an input (missing, a directory, unreadable), or undefined. */
function inputProblem(file: string): string | undefined {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch {
    return 'does not exist';
  }
  if (stat.isDirectory()) return 'is a directory';
  if (!stat.isFile() && !stat.isFIFO() && !stat.isCharacterDevice()) return 'is not a regular file';
  try {
    accessSync(file, constants.R_OK);
  } catch {
    return 'is not readable';
  }
  return undefined;
}

/**
 * Checks every input file the stages declare (`inputFiles`) before anything runs: each
 * error names the stage, the param (and the workflow param it came from) and the path.
 */
export function checkInputFiles(plan: Plan, cwd = process.cwd()): void {
  const errors: WorkflowError[] = [];
  for (const planned of plan.stages) {
    const declared = planned.stage.inputFiles?.(planned.params) ?? {};
    for (const [param, value] of Object.entries(declared)) {
      for (const path of typeof value === 'string' ? [value] : (value ?? [])) {
        if (path === '-') continue;
        const problem = inputProblem(resolve(cwd, path));
        if (!problem) continue;
        const written = (
          plan.workflow.spec.stages[planned.group]?.with as Record<string, unknown> | undefined
        )?.[param];
        const from = typeof written === 'string' ? /\$\{params\.([^}]+)\}/.exec(written)?.[1] : undefined;
        errors.push(
          plan.workflow.error(
            ['stages', planned.group, 'with', param],
            `stage "${planned.name}": ${param}${from ? ` (param ${from})` : ''}: input file ${path} ${problem}, expected a readable file`,
          ),
        );
      }
    }
  }
  if (errors.length) throw new WorkflowErrors(errors);
}
