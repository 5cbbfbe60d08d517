import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { writeJsonAtomic } from './cache.js';

/**
 * The layout of a work dir (`.genoflow/` by default, mode 0700):
 *   lock                   held by the run in progress
 *   fingerprints.json      remembered content hashes of input files
 *   cache/index/KEY.json   static key → full key and the files it read
 *   cache/last/WF/STAGE.json  the key record of each stage's last completion (for `why`)
 *   cache/entries/KEY/     committed stage outputs (output.bin + manifest.json)
 *   checkpoints/KEY/       in-stage checkpoints of long stages, kept across failures
 *   stdin/RUN.bin          stdin as spooled by each run; stdin/last.json names the newest
 *   runs/RUN/              run.json (summary), trace.tsv, scratch/STAGE/ATTEMPT/
 */
export interface RunRecord {
  id: string;
  workflow: string;
  workflowFile: string;
  start: string;
  durationMs: number;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'ABORTED';
  counts: { cached: number; run: number; failed: number; aborted: number };
  /** Full cache keys this run used or produced (kept by `clean --keep`). */
  keys: string[];
  error?: string;
}

export async function ensureWorkDir(workDir: string): Promise<void> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  for (const sub of ['runs', 'cache', 'checkpoints', 'stdin']) await mkdir(join(workDir, sub), { recursive: true, mode: 0o700 });
}

/**
 * Takes the work dir's lock, failing clearly when another run holds it. The lock is
 * refreshed while held, so one left by a crashed run goes stale and is taken over.
 */
export async function lockWorkDir(workDir: string, waitMs: number): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(workDir, {
      lockfilePath: join(workDir, 'lock'),
      stale: 10_000,
      update: 2_000,
      retries: waitMs > 0 ? { retries: Math.ceil(waitMs / 500), minTimeout: 500, maxTimeout: 500 } : 0,
      onCompromised: (err) => {
        throw err;
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      const holder = await latestRun(workDir);
      throw new Error(
        `work dir ${workDir} is in use by another genoflow run${holder?.status === 'RUNNING' ? ` (${holder.id}, ${holder.workflow}, started ${holder.start})` : ''}; wait for it to finish, or use --work-dir DIR`,
      );
    }
    throw err;
  }
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export const runDir = (workDir: string, id: string) => join(workDir, 'runs', id);

export async function saveRun(workDir: string, record: RunRecord): Promise<void> {
  await writeJsonAtomic(join(runDir(workDir, record.id), 'run.json'), record);
}

/** All runs, oldest first. */
export async function listRuns(workDir: string): Promise<RunRecord[]> {
  const ids = await readdir(join(workDir, 'runs')).catch(() => [] as string[]);
  const runs: RunRecord[] = [];
  for (const id of ids.sort()) {
    try {
      runs.push(JSON.parse(await readFile(join(runDir(workDir, id), 'run.json'), 'utf8')));
    } catch {
      // a run killed before it wrote run.json has nothing to list
    }
  }
  return runs;
}

async function latestRun(workDir: string): Promise<RunRecord | undefined> {
  return (await listRuns(workDir)).at(-1);
}
