import { link, lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { namingPath } from '../plugin-api/fs-error.js';
import { pidAlive } from '../plugin-api/pid.js';
import { partialPrefix, writeJsonAtomic } from './cache.js';
import { createLogger } from './logger.js';
import type { Provenance } from './provenance.js';

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
  /** The command line, directory, versions and params the run was made with. */
  provenance?: Provenance;
}

/** The folders genoflow makes inside a work dir, parents first. */
const LAYOUT = ['runs', 'cache', 'checkpoints', 'stdin', 'cache/entries', 'cache/index', 'cache/last'];
/** Folders whose sub-folders have names a later run reuses (keys, workflow names). */
const KEYED = ['runs', 'checkpoints', 'cache/entries', 'cache/last'];

/**
 * Creates the work dir's folders, refusing any that is not a plain folder genoflow made,
 * and any symlink among the keyed sub-folders: a planted link would send the cache, a
 * checkpoint or the spooled stdin outside the work dir. The work dir itself may be a link:
 * that is the user's choice of where it lives.
 */
export async function ensureWorkDir(workDir: string): Promise<void> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  for (const sub of LAYOUT) {
    await mkdir(join(workDir, sub), { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw namingPath(err, join(workDir, sub));
    });
    await ownDir(join(workDir, sub));
  }
  for (const sub of KEYED) {
    const link = (await readdir(join(workDir, sub), { withFileTypes: true })).find((e) => e.isSymbolicLink());
    if (link) await ownDir(join(workDir, sub, link.name));
  }
}

/** Throws unless `path` is a real directory (not a symlink to one). */
export async function ownDir(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isDirectory()) return;
  const what = info.isSymbolicLink() ? `a symlink (to ${await readlink(path)})` : 'not a directory';
  throw new Error(
    `${path} is ${what}; genoflow follows no links inside its work dir: remove it, or use another --work-dir`,
  );
}

/**
 * Clears what dead runs left: uncommitted entries whose writer on this host is gone (a
 * cluster job of a dead run may still be writing one: it goes on and commits it) and
 * half-written JSON temp files. Only called with the lock held.
 */
async function sweepStale(workDir: string): Promise<void> {
  const cache = join(workDir, 'cache');
  const stale = async (dir: string, test: (name: string) => boolean) => {
    for (const name of await readdir(dir).catch(() => [] as string[]))
      if (test(name)) await rm(join(dir, name), { recursive: true, force: true });
  };
  await stale(workDir, (name) => name.startsWith('fingerprints.json.') && name.endsWith('.tmp'));
  const partial = partialPrefix();
  await stale(join(cache, 'entries'), (name) => {
    const pid = name.startsWith(partial) ? /^(\d+)\./.exec(name.slice(partial.length))?.[1] : undefined;
    return pid !== undefined && !pidAlive(Number(pid));
  });
  await stale(join(cache, 'index'), (name) => name.endsWith('.tmp'));
  for (const workflow of await readdir(join(cache, 'last')).catch(() => [] as string[]))
    await stale(join(cache, 'last', workflow), (name) => name.endsWith('.tmp'));
}

interface LockOwner {
  pid: number;
  host: string;
  run: string;
  workflow: string;
  start: string;
}

/**
 * Takes the work dir's lock: a file naming the run that holds it, written whole under a
 * temporary name and hard-linked into place (exclusive, and never seen empty). A lock whose
 * process is gone (a run killed with -9) is taken over at once, as is an empty or
 * unreadable one (left by a full disk or an older genoflow) with a warning; a live one is
 * waited for up to `waitMs`, then refused with a message naming its holder. Taking it
 * clears what dead runs left in the cache.
 */
export async function lockWorkDir(
  workDir: string,
  waitMs: number,
  owner: { run: string; workflow: string } = { run: '-', workflow: '-' },
): Promise<() => Promise<void>> {
  const path = join(workDir, 'lock');
  const me: LockOwner = { pid: process.pid, host: hostname(), start: new Date().toISOString(), ...owner };
  const deadline = Date.now() + waitMs;
  const temp = `${path}.${process.pid}.tmp`;
  for (;;) {
    const linked = await writeFile(temp, JSON.stringify(me), { mode: 0o600 })
      .catch((err) => {
        throw namingPath(err, temp);
      })
      .then(() => link(temp, path))
      .then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'EEXIST') return false;
          throw err;
        },
      )
      .finally(() => rm(temp, { force: true }));
    if (linked) {
      const unlock = () => rm(path, { force: true });
      await sweepStale(workDir).catch(async (err) => {
        await unlock();
        throw err;
      });
      return unlock;
    }
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' ? null : undefined,
    );
    if (text === null) continue; // released meanwhile
    const holder = parseOwner(text);
    if (!holder) {
      createLogger('warn').warn(
        `work dir lock ${path} is ${text === '' ? 'empty' : 'unreadable'} (left by a full disk or a crash); taking it over`,
      );
      await rm(path, { recursive: true, force: true });
      continue;
    }
    if (holder.host === me.host && !pidAlive(holder.pid)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `work dir ${workDir} is in use by another genoflow run (${holder.run}, ${holder.workflow}, pid ${holder.pid}, started ${holder.start}); wait for it to finish, or use --work-dir DIR`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  try {
    const owner = JSON.parse(text ?? '') as LockOwner;
    return typeof owner?.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
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

/** All runs, oldest first: by start time, as ids made in the same second sort by their random tail. */
export async function listRuns(workDir: string): Promise<RunRecord[]> {
  const ids = await readdir(join(workDir, 'runs')).catch(() => [] as string[]);
  const runs: RunRecord[] = [];
  for (const id of ids) {
    try {
      runs.push(JSON.parse(await readFile(join(runDir(workDir, id), 'run.json'), 'utf8')));
    } catch {
      // a run killed before it wrote run.json has nothing to list
    }
  }
  return runs.sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
}
