import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { withoutProvenance } from '../../plugins/vcf/test-helpers.js';
import { cli, repoRoot, tempDir } from '../helpers.js';

/**
 * Every workflow in workflows/, as shipped and with every stage `store: true` and
 * `retries: 1` (so every edge goes through a committed entry), fresh and with `--resume`:
 * every output file and stdout are byte-identical across the four runs. Before each
 * `--resume` the outputs are deleted (model bundles kept, so nothing trains twice): the
 * resumed run must rebuild them from what it stored, or re-run what it did not store.
 * Training is seeded: bundles compare equal too, but for their timings.
 */
const outdir = 'outdir';
const vcf = join(repoRoot, 'samples/variants/labelled.vcf');

interface Case {
  /** Small params, so each run takes seconds. */
  params: string[];
  stdin?: string;
  /** More command-line options. */
  options?: string[];
}
const cases: Record<string, Case> = {
  'bam-kmer-profile': { params: [] },
  'cohort-kmer-profile': { params: [] },
  'disease-risk': { params: ['epochs=20', 'folds=3'] },
  'promoter-classifier': { params: ['epochs=1'] },
  // One fold at a time: folds trained at once in one process take tfjs's global layer
  // names (dense_1, dense_2) in whichever order they start, so model.json may differ.
  'sequence-classifier': { params: ['epochs=1', 'folds=2'], options: ['--cpus', '1'] },
  // Explains the model the promoter-classifier case trains (it runs first); gradients, not ISM, for speed.
  interpret: { params: ['method=gradient-x-input'] },
  'train-variant-classifier': { params: ['epochs=1'] },
  // Scored with the model the train-variant-classifier case trains (it runs first).
  'score-variants': { params: [], stdin: vcf },
};

/** sha256 of every file under `dir`, by relative path (but a bundle's training.json, which holds timings). */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(dir)) return files;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== 'training.json')
        files[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

/** Deletes the outputs under `dir`, keeping model bundles. */
function deleteOutputs(dir: string): void {
  if (existsSync(dir))
    for (const name of readdirSync(dir)) if (name !== 'model') rmSync(join(dir, name), { recursive: true });
}

describe('replay equivalence of workflows/', () => {
  it('has a case for every workflow', () => {
    const shipped = readdirSync(join(repoRoot, 'workflows')).map((f) => f.replace(/\.yaml$/, ''));
    expect(shipped.sort()).toEqual(Object.keys(cases).sort());
  });

  const base = tempDir('replay');
  const model = join(base, 'train-variant-classifier', outdir, 'model');
  const promoterModel = join(base, 'promoter-classifier', outdir, 'model');
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: shipped and all-stored, fresh and --resume, give the same bytes`, async () => {
      const dir = join(base, name);
      const spec = parse(readFileSync(join(repoRoot, 'workflows', `${name}.yaml`), 'utf8'));
      for (const stage of Object.values(spec.stages) as Record<string, unknown>[]) {
        stage.store = true;
        stage.retries = 1;
      }
      const variants = {
        shipped: join(repoRoot, 'workflows', `${name}.yaml`),
        stored: join(tempDir(`replay-${name}`), 'stored.yaml'),
      };
      writeFileSync(variants.stored, stringify(spec));
      const trained: Record<string, string> = { 'score-variants': model, interpret: promoterModel };
      const params = [...c.params, ...(trained[name] ? [`model=${trained[name]}`] : [])];
      const results: Record<string, Record<string, string>> = {};
      for (const [variant, file] of Object.entries(variants)) {
        // One outdir for both variants: paths written into outputs stay the same.
        const out = join(dir, outdir);
        const args = ['run', file, '-q', '--work-dir', join(dir, variant, 'work')];
        if ('outdir' in spec.params) args.push('-p', `outdir=${out}`);
        for (const p of params) args.push('-p', p);
        args.push(...(c.options ?? []));
        const runs: [string, string[], string | Buffer | undefined][] = [
          ['fresh', [], c.stdin && readFileSync(c.stdin)],
          // A stdin workflow resumes on the spool, with nothing on stdin.
          ['resume', c.stdin ? ['--resume', '--reuse-stdin'] : ['--resume'], c.stdin && ''],
        ];
        // ... and, piped the same stdin again, compares it by hash and reuses what it can.
        if (c.stdin) runs.push(['resume-piped', ['--resume'], readFileSync(c.stdin)]);
        for (const [run, extra, input] of runs) {
          if (run === 'fresh') rmSync(out, { recursive: true, force: true });
          else deleteOutputs(out);
          const result = await cli([...args, ...extra], { cwd: repoRoot, input });
          expect(result.code, `${variant} ${run}: ${result.stderr}`).toBe(0);
          results[`${variant} ${run}`] = {
            ...snapshot(out),
            // A VCF names the run that wrote it (##genoflowCommand): all else must be the same.
            stdout: createHash('sha256')
              .update(c.stdin ? withoutProvenance(result.stdout.toString()) : result.stdout)
              .digest('hex'),
          };
          if (c.stdin) expect(result.stdout.length, `${variant} ${run}`).toBeGreaterThan(50_000);
        }
      }
      const [first, ...rest] = Object.entries(results);
      expect(Object.keys(first![1]).length).toBeGreaterThanOrEqual(c.stdin ? 1 : 2);
      for (const [run, files] of rest) expect(files, `${run} vs ${first![0]}`).toEqual(first![1]);
    }, 240_000);
  }
});
