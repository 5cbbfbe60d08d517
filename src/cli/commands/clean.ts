import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listRuns, lockWorkDir } from '../../engine/workdir.js';

/** Removes cache entries that none of the last `keep` runs used (all of them with --all). */
export async function cleanCommand(args: { keep: number; all: boolean; workDir: string }): Promise<void> {
  const unlock = await lockWorkDir(args.workDir, 0);
  try {
    if (args.all) {
      for (const sub of ['cache', 'checkpoints', 'stdin', 'fingerprints.json']) {
        await rm(join(args.workDir, sub), { recursive: true, force: true });
      }
      process.stderr.write(`removed the cache, checkpoints and spooled stdin of ${args.workDir}\n`);
      return;
    }
    const kept = new Set(
      (await listRuns(args.workDir)).slice(-Math.max(0, args.keep)).flatMap((r) => r.keys),
    );
    const entries = join(args.workDir, 'cache', 'entries');
    let removed = 0;
    for (const name of await readdir(entries).catch(() => [] as string[])) {
      if (kept.has(name)) continue;
      await rm(join(entries, name), { recursive: true, force: true });
      removed++;
    }
    process.stderr.write(
      `removed ${removed} cache entries; kept ${kept.size} used by the last ${args.keep} runs\n`,
    );
  } finally {
    await unlock();
  }
}
