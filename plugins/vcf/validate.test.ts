import { describe, expect, it } from 'vitest';
import { parseHeader } from './header.js';
import { checkLine } from './validate.js';

const header = parseHeader(
  [
    '##fileformat=VCFv4.2',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=GL,Number=G,Type=Float,Description="Likelihoods">',
    '##FORMAT=<ID=FT,Number=1,Type=String,Description="Filter">',
    '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB',
  ],
  1,
);

/** The message checkLine throws (or '' when the line is good), by either route. */
function outcome(line: string, fastAccept: boolean): string {
  const infoStart = line.split('\t', 7).join('\t').length + 1;
  const infoEnd = line.indexOf('\t', infoStart);
  try {
    checkLine(line, infoStart, infoEnd < 0 ? line.length : infoEnd, header, fastAccept);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

const genotypes = ['0/1', '1|1', '.', './.', '0', '12/3', '/0', '0/', '0//1', 'a', '', '.1', '1.', '0|.'];
const integers = ['5', '-3', '+7', '.', '', '1,2', '1,,2', ',', '1.5', 'x', '-', '1e3'];
const floats = [
  '0.5',
  '-1e-3',
  '.5',
  '5.',
  '+.5',
  'nan',
  'Inf',
  '-inf',
  '0x1A',
  '1e',
  'e5',
  '.',
  '',
  '1,.,2',
  '1..2',
  'x',
];
const columns: string[] = [];
for (const gt of genotypes) columns.push(gt, `${gt}:5`, `${gt}:5:0.5,1:PASS`, `${gt}:5:0.5:PASS:extra`);
for (const dp of integers) columns.push(`0/1:${dp}`, `0/1:${dp}:0.1`);
for (const gl of floats) columns.push(`0/1:1:${gl}`, `0/1:1:${gl}:q`);
columns.push(':5', '::', '0/1::', '0/1:5:');

describe('checkLine: the regex route accepts exactly what the value-by-value scan accepts', () => {
  const base = '1\t100\t.\tA\tC\t50\tPASS\tDP=3\tGT:DP:GL:FT';
  it.each(columns)('sample column %j (first and second sample, and too few columns)', (column) => {
    for (const line of [
      `${base}\t${column}\t0/0`,
      `${base}\t0/0\t${column}`,
      `${base}\t${column}`,
      `${base}\t${column}\t`,
    ]) {
      expect(outcome(line, true)).toBe(outcome(line, false));
    }
  });

  it('finds both good and bad values among the cases (the comparison is not vacuous)', () => {
    const results = columns.map((c) => outcome(`${base}\t${c}\t0/0`, false));
    expect(results.filter((r) => r === '').length).toBeGreaterThan(20);
    expect(results.filter((r) => r !== '').length).toBeGreaterThan(20);
  });
});
