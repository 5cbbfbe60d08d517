import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageContext } from '../../../src/plugin-api/index.js';
import type { AttributionRecord } from './interpret-run.js';
import { logoChart, logoSvg } from './logo.js';
import { memeText, readMeme } from './meme.js';
import { clusterSeqlets, type Motif } from './motif-clusters.js';
import { type MotifMatch, matchMotifs } from './motif-match.js';
import type { MotifsParams } from './motifs.js';
import { callSeqlets } from './seqlets.js';

/** Port `motif`: a motif found in attributions, with its best known match when `known` was given. */
export interface MotifRecord {
  name: string;
  consensus: string;
  support: number;
  pwm: number[][];
  match?: MotifMatch & { known: string };
}

export async function* run(ctx: StageContext<MotifsParams>) {
  const p = ctx.params;
  const sequences: AttributionRecord[] = [];
  for await (const record of ctx.inputs.in!) sequences.push(record as AttributionRecord);
  const known = p.known === undefined ? [] : await readMeme(ctx.resolvePath(p.known));
  if (p.known !== undefined) ctx.declareInputFile(ctx.resolvePath(p.known));
  const seqlets = callSeqlets(sequences, p.width, p.z);
  ctx.log.info(`${seqlets.length} seqlets in ${sequences.length} sequences`);
  ctx.progress.count('seqlets', seqlets.length);
  const found: Motif[] = clusterSeqlets(sequences, seqlets, {
    width: p.width,
    flank: p.flank,
    similarity: p.similarity,
    trim: p.trim,
    minSupport: p['min-support'],
  }).slice(0, p['max-motifs']);
  const records: MotifRecord[] = found.map((m, i) => {
    const record: MotifRecord = {
      name: `motif_${i + 1}`,
      consensus: m.consensus,
      support: m.support,
      pwm: m.pwm,
    };
    const matches = known.map((k) => ({ known: k.name, ...matchMotifs(m.pwm, k.pwm) }));
    const best = matches.sort((a, b) => b.score - a.score)[0];
    if (best) record.match = best;
    return record;
  });
  const outDir = ctx.resolvePath(p.out);
  await mkdir(join(outDir, 'logos'), { recursive: true });
  const files = {
    meme: join(outDir, 'motifs.meme'),
    tsv: join(outDir, 'motifs.tsv'),
  };
  await writeFile(
    files.meme,
    memeText(records.map((r) => ({ name: r.name, alternate: r.consensus, pwm: r.pwm, nsites: r.support }))),
  );
  const header = [
    'motif',
    'consensus',
    'support',
    'known',
    'score',
    'similarity',
    'offset',
    'strand',
    'overlap',
  ];
  const rows = records.map((r) => [
    r.name,
    r.consensus,
    r.support,
    r.match?.known ?? '',
    r.match ? Number(r.match.score.toFixed(4)) : '',
    r.match ? Number(r.match.similarity.toFixed(4)) : '',
    r.match?.offset ?? '',
    r.match?.strand ?? '',
    r.match?.overlap ?? '',
  ]);
  await writeFile(files.tsv, [header, ...rows].map((row) => `${row.join('\t')}\n`).join(''));
  for (const r of records) {
    const logo = join(outDir, 'logos', `${r.name}.svg`);
    await writeFile(logo, logoSvg(r.pwm, `${r.name} ${r.consensus} (${r.support} seqlets)`));
  }
  for (const file of [...Object.values(files), join(outDir, 'logos')]) ctx.declareOutputFile(file);
  ctx.report({
    title: `Motifs from attributions (${seqlets.length} seqlets)`,
    table: { columns: header, rows },
  });
  for (const r of records) ctx.report(logoChart(r.pwm, `${r.name}: ${r.consensus}, ${r.support} seqlets`));
  for (const r of records) {
    ctx.log.info(
      `${r.name} ${r.consensus} support ${r.support}${r.match ? ` ~ ${r.match.known} (${r.match.similarity.toFixed(2)})` : ''}`,
    );
    yield r;
  }
}
