import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
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
  for (const sub of ['runs', 'cache', 'checkpoints', 'stdin'])
    await mkdir(join(workDir, sub), { recursive: true, mode: 0o700 });
}

interface LockOwner {
  pid: number;
  host: string;
  run: string;
  workflow: string;
  start: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the work dir's lock: a file created exclusively, naming the run that holds it.
 * A lock whose process is gone (a run killed with -9) is taken over at once; a live one
 * is waited for up to `waitMs`, then refused with a message naming its holder.
 */
export async function lockWorkDir(
  workDir: string,
  waitMs: number,
  owner: { run: string; workflow: string } = { run: '-', workflow: '-' },
): Promise<() => Promise<void>> {
  const path = join(workDir, 'lock');
  const me: LockOwner = { pid: process.pid, host: hostname(), start: new Date().toISOString(), ...owner };
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readFile(path, 'utf8').then(
      (t) => JSON.parse(t) as LockOwner,
      () => undefined,
    );
    if (holder && holder.host === me.host && !alive(holder.pid)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `work dir ${workDir} is in use by another genoflow run${holder ? ` (${holder.run}, ${holder.workflow}, pid ${holder.pid}, started ${holder.start})` : ''}; wait for it to finish, or use --work-dir DIR`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export const runDir = (workDir: string, id: string) => join(workDir, 'runs', id);

export async function saveRun(workDir: string, record: RunRecord): Promise<void> {
  await writeJsonAtomic(join(runDir(workDir, record.id), 'run.json'), record, false);
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
