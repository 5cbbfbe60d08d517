import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';
import type { ModelShape } from './models.js';
import { type TrainHooks, type TrainResult, type TrainSettings, trainModel } from './trainer.js';

/** Seed of member `i` (from 0) of an ensemble trained with seed `seed`. */
export const memberSeed = (seed: number, i: number): number => seed + i;

/**
 * Trains `members` models on the same data, member i with seed `seed + i` (its own
 * initial weights, shuffles and dropout), one after another. One member checkpoints in
 * `checkpointDir` itself; several each in `checkpointDir/member-<i>`, so a killed
 * ensemble training keeps its finished members and resumes the one in progress.
 */
export async function trainEnsemble(
  settings: TrainSettings,
  members: number,
  shape: ModelShape,
  train: Dataset,
  valid: Dataset | null,
  hooks: TrainHooks,
): Promise<TrainResult[]> {
  const results: TrainResult[] = [];
  try {
    for (let i = 0; i < members; i++) {
      const seed = memberSeed(settings.seed, i);
      const label = members > 1 ? `member ${i + 1}/${members} (seed ${seed}): ` : '';
      let checkpointDir = hooks.checkpointDir;
      if (checkpointDir && members > 1) {
        checkpointDir = join(checkpointDir, `member-${i + 1}`);
        await mkdir(checkpointDir, { recursive: true });
      }
      if (label) hooks.log(`training ${label.slice(0, -2)}`);
      results.push(
        await trainModel({ ...settings, seed }, shape, train, valid, {
          ...hooks,
          log: (m) => hooks.log(label + m),
          warn: (m) => hooks.warn(label + m),
          status: (m) => hooks.status(label + m),
          checkpointDir,
          fingerprint: members > 1 ? `${hooks.fingerprint}/member-${i + 1}` : hooks.fingerprint,
        }),
      );
    }
  } catch (err) {
    for (const r of results) r.model.dispose();
    throw err;
  }
  return results;
}
