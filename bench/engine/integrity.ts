import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vcfRecordCodec } from '../../plugins/vcf/codec.js';
import { headerFromText } from '../../plugins/vcf/header.js';
import { parseRecord } from '../../plugins/vcf/record.js';
import { FRAME_LINES, StageCache } from '../../src/engine/cache.js';
import { ensureWorkDir } from '../../src/engine/workdir.js';
import { codecContext } from '../../src/plugin-api/carrying-codec.js';
import { generateVcf } from '../io/generate-vcf.js';
import { benchOut, fixed, intArg, printTable } from '../lib.js';

/*
 * What verifying a stored entry before its replay costs (size + CRC-32 of the whole
 * entry, then the replay): replaying an entry of `--mb` MB with and without the check,
 * for an entry of line blocks (the cheapest replay, so the worst case for the check) and
 * one of VCF records decoded by their codec. Warm page cache, best of `--rounds`.
 *   node dist/bench/engine/integrity.js [--mb 1024] [--rounds 3]
 */
const mb = intArg('mb', 1024);
const rounds = intArg('rounds', 3);
const work = benchOut('engine/integrity');
await ensureWorkDir(work);
const context = codecContext([['vcf-record', vcfRecordCodec]]);

/** Commits an entry of about `mb` MB, filled by `add` until the writer holds that much. */
async function makeEntry(
  name: string,
  fill: (writer: Awaited<ReturnType<StageCache['createWriter']>>) => void,
) {
  const cache = new StageCache(work);
  const key = `bench-${name}-${mb}`;
  if (await cache.manifest(key)) return key;
  const writer = await cache.createWriter(name, 'bench');
  while (writer.bytes < mb << 20) {
    fill(writer);
    await writer.flushIfFull();
  }
  await writer.commit(key);
  return key;
}

const vcfFile = join(work, 'template.vcf');
await generateVcf(vcfFile, 20_000);
const text = readFileSync(vcfFile, 'utf8').trimEnd().split('\n');
const header = headerFromText(text.filter((l) => l.startsWith('#')).join('\n'));
const records = text.filter((l) => !l.startsWith('#')).map((line) => parseRecord(line, header, false));
const block = Buffer.from(`${text.filter((l) => !l.startsWith('#')).join('\n')}\n`);

const encode = vcfRecordCodec.createEncoder(context);
const entries = {
  'line blocks': {
    key: await makeEntry('lines', (w) => w.addBlock(block, records.length)),
    decode: undefined,
  },
  'vcf records (decoded)': {
    key: await makeEntry('vcf', (w) => {
      for (const record of records) w.add(encode(record));
    }),
    decode: () => vcfRecordCodec.createDecoder(context),
  },
};

/** Replays an entry once, decoding each record frame; with `check`, the entry is verified first. */
async function replay(key: string, check: boolean, createDecoder?: () => (bytes: Uint8Array) => unknown) {
  const cache = new StageCache(work);
  // A cache that has verified the key already replays it without reading it first.
  if (!check && (await cache.verify(key))) throw new Error(`entry ${key} is corrupt`);
  const decode = createDecoder?.();
  const started = performance.now();
  let bytes = 0;
  for await (const frame of cache.replay(key)) {
    bytes += frame.payload.length + 5;
    if (decode && frame.kind !== FRAME_LINES) decode(frame.payload);
  }
  return { seconds: (performance.now() - started) / 1000, bytes };
}

const rows: string[][] = [];
for (const [name, { key, decode }] of Object.entries(entries)) {
  const best = {
    without: Number.POSITIVE_INFINITY,
    with: Number.POSITIVE_INFINITY,
    verify: Number.POSITIVE_INFINITY,
  };
  let size = 0;
  for (let i = 0; i < rounds; i++) {
    // Alternating which goes first, so that neither pays for the other's garbage.
    const first = await replay(key, i % 2 === 1, decode);
    const second = await replay(key, i % 2 === 0, decode);
    const [plain, checked] = i % 2 ? [second, first] : [first, second];
    const started = performance.now();
    if (await new StageCache(work).verify(key)) throw new Error(`entry ${key} is corrupt`);
    best.verify = Math.min(best.verify, (performance.now() - started) / 1000);
    best.without = Math.min(best.without, plain.seconds);
    best.with = Math.min(best.with, checked.seconds);
    size = plain.bytes / 2 ** 20;
  }
  rows.push([
    name,
    fixed(size, 0),
    fixed(size / best.without, 0),
    fixed(size / best.with, 0),
    fixed(size / best.verify, 0),
    `${fixed(((best.with - best.without) / best.without) * 100, 1)}%`,
  ]);
}
printTable(
  `Replaying a ${mb} MB stored entry, without and with the integrity check (best of ${rounds}, warm page cache)`,
  ['entry', 'MB', 'replay MB/s', 'verify + replay MB/s', 'verify alone MB/s', 'cost of the check'],
  rows,
);
