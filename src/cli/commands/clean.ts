import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureWorkDir, listRuns, lockWorkDir } from '../../engine/workdir.js';

/**
 * Removes cache entries that none of the last `keep` runs used (all of them with --all).
 * Taking the lock also clears the partial entries of killed runs.
 */
export async function cleanCommand(args: { keep: number; all: boolean; workDir: string }): Promise<void> {
  await ensureWorkDir(args.workDir);
  const unlock = await lockWorkDir(args.workDir, 0);
  try {
    if (args.all) {
      for (const sub of ['cache', 'checkpoints', 'stdin', 'fingerprints.json']) {
        await rm(join(args.workDir, sub), { recursive: true, force: true });
      }
      process.stderr.write(`removed the cache, checkpoints and spooled stdin of ${args.workDir}\n`);
      return;
    }
    const keep = Math.max(0, args.keep);
    const runs = await listRuns(args.workDir);
    const kept = new Set(runs.slice(runs.length - Math.min(keep, runs.length)).flatMap((r) => r.keys));
    const entries = join(args.workDir, 'cache', 'entries');
    const names = await readdir(entries);
    const removed = names.filter((name) => !kept.has(name));
    for (const name of removed) await rm(join(entries, name), { recursive: true, force: true });
    process.stderr.write(
      `removed ${removed.length} cache entries; kept ${names.length - removed.length} used by the last ${keep} runs\n`,
    );
  } finally {
    await unlock();
  }
}
