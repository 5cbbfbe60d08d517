import type * as tf from '@tensorflow/tfjs';
import type { TokenBatch, TokenizerSpec } from '../../../src/plugin-api/index.js';
import { canFastIsm, fastIsm, type IsmScores, naiveIsm } from './ism.js';
import { firstBaseOnGenome, N_CODE, type RowLayout, rowBases, rowLayout } from './token-bases.js';

/** The single-base substitution that moves a sequence's score most: where, and by how much. */
export interface TopSubstitution {
  /** 0-based, in the bases the model saw. */
  pos: number;
  /** score(with the substitution) - score(as it is). */
  delta: number;
}

/** The largest |delta| of one sequence's ISM (the first such, in position then base order). */
export function topSubstitution(scores: IsmScores, bases: Uint8Array): TopSubstitution | undefined {
  let top: TopSubstitution | undefined;
  for (let pos = 0; pos < bases.length; pos++) {
    if (bases[pos] === N_CODE) continue;
    for (let alt = 0; alt < 4; alt++) {
      if (alt === bases[pos]) continue;
      const delta = scores.alt[pos * 4 + alt]! - scores.ref;
      if (!top || Math.abs(delta) > Math.abs(top.delta)) top = { pos, delta };
    }
  }
  return top;
}

/**
 * Explains each scored row by ISM over its whole window (fastISM for a CNN): the 1-based
 * position of its most influential base, in genome coordinates where the record has a locus
 * (as `tfjs.interpret` places bases), and that substitution's delta.
 */
export function createExplainer(
  models: readonly tf.LayersModel[],
  spec: TokenizerSpec,
  length: number,
  classIndex: number,
  batchSize: number,
  where: string,
) {
  const layout: RowLayout = rowLayout(spec, length, where);
  const fast = models.every(canFastIsm);
  return {
    fast,
    /** One entry per valid row of `batch` (`rows` of `ids`, each `length` wide). */
    explain(batch: TokenBatch, valid: number[], ids: Int32Array): { top_pos: number; top_delta: number }[] {
      const bases = valid.map((_, i) => rowBases(ids.subarray(i * length, (i + 1) * length), layout));
      const input = { ids, bases, layout, classIndex, batchSize };
      const ism = fast ? fastIsm(models, input) : naiveIsm(models, input);
      return valid.map((r, i) => {
        const top = topSubstitution(ism[i]!, bases[i]!);
        if (!top) return { top_pos: Number.NaN, top_delta: Number.NaN };
        const first = firstBaseOnGenome(batch.items[r]!, spec, bases[i]!.length, layout)?.start ?? 0;
        return { top_pos: first + top.pos + 1, top_delta: top.delta };
      });
    },
  };
}
