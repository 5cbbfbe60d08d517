import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listRuns, runDir } from '../../workdir.js';

/** One task of a job array, as the journal records it. */
export interface JournalTask {
  /** What the task is (`taskKeyOf`): the same in any run that submits it. */
  key: string;
  /** Its files: `BASE.task.json`, `.outcome.json`, `.exit`, `.out`, `.err`. */
  base: string;
  attempt: number;
}

/**
 * A run's `jobs.jsonl`: each array's tasks before `sbatch` is called (under the job name),
 * then its job id once SLURM has it. A run that dies between the two still names its job.
 */
export type JournalLine =
  | { submitting: string; tasks: JournalTask[] }
  | { submitted: string; job: string }
  /** A job of a dead run that this run took over. */
  | { attached: string; task: JournalTask };

export const journalPath = (workDir: string, run: string) => join(runDir(workDir, run), 'jobs.jsonl');

export async function appendJournal(path: string, line: JournalLine): Promise<void> {
  await appendFile(path, `${JSON.stringify(line)}\n`);
}

/** A task a dead run submitted: its job id where the journal has it, else its array's name and index. */
export interface JournaledTask extends JournalTask {
  run: string;
  name: string;
  index: number;
  job?: string;
}

/** The tasks a run's journal records, in the order it submitted them (or took them over). */
export async function readJournal(workDir: string, run: string): Promise<JournaledTask[]> {
  const text = await readFile(journalPath(workDir, run), 'utf8').catch(() => '');
  const arrays = new Map<string, JournaledTask[]>();
  const tasks: JournaledTask[] = [];
  for (const line of text.split('\n')) {
    let entry: JournalLine;
    try {
      entry = JSON.parse(line) as JournalLine;
    } catch {
      continue; // the line a kill cut short
    }
    if ('submitting' in entry) {
      const members = entry.tasks.map((t, index) => ({ ...t, run, name: entry.submitting, index }));
      arrays.set(entry.submitting, members);
      tasks.push(...members);
    } else if ('submitted' in entry) {
      for (const t of arrays.get(entry.submitted) ?? []) t.job = `${entry.job}_${t.index}`;
    } else tasks.push({ ...entry.task, run, name: '', index: -1, job: entry.attached });
  }
  return tasks;
}

/**
 * The tasks of the runs that died while they ran (their run.json still says RUNNING, and
 * this run holds the lock), by task key; a later submission of a task replaces an earlier one.
 */
export async function journaledTasks(workDir: string, current: string): Promise<Map<string, JournaledTask>> {
  const tasks = new Map<string, JournaledTask>();
  for (const run of await listRuns(workDir)) {
    if (run.status !== 'RUNNING' || run.id === current) continue;
    for (const task of await readJournal(workDir, run.id)) tasks.set(task.key, task);
  }
  return tasks;
}
