import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import plugin from './index.js';
import type { VcfRecord } from './record.js';

/** Output of a command (stdout), failing the test on a non-zero exit. */
export function run(command: string, args: string[], input?: Buffer | string): string {
  return execFileSync(command, args, {
    input,
    maxBuffer: 1 << 28,
    stdio: ['pipe', 'pipe', 'ignore'],
  }).toString();
}

/** Whether bcftools 1.16 reads the whole file without error. */
export function bcftoolsAccepts(file: string): boolean {
  try {
    execFileSync('bcftools', ['view', '-o', '/dev/null', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every VCF under `dir` (not BCF, not index files), sorted. */
export function vcfFiles(dir: string): string[] {
  const files: string[] = [];
  // Without the shared data set (its tests are skipped) there is nothing to list.
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /\.(bcf|tbi|csi)$/.test(entry.name)) continue;
    files.push(join(entry.parentPath, entry.name));
  }
  return files.sort();
}

export async function readVcf(params: Record<string, unknown>, stdin?: Buffer) {
  return runStageForTest(plugin.stages.read, { params, stdin }) as Promise<{
    records: VcfRecord[];
    counters: Record<string, number>;
    stdout: Buffer;
  }>;
}

/** The error `vcf.read` fails with. */
export async function readVcfError(params: Record<string, unknown>, stdin?: Buffer): Promise<Error> {
  try {
    await readVcf(params, stdin);
  } catch (err) {
    return err as Error;
  }
  throw new Error('vcf.read did not fail');
}

export async function writeVcf(records: unknown[], params: Record<string, unknown>) {
  return runStageForTest(plugin.stages.write, { params, inputs: { in: records } });
}

/** A record as `bcftools query -f '%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n'` prints it. */
export function queryLine(record: VcfRecord, withGenotypes = true): string {
  const alt = record.alt.length ? record.alt.join(',') : '.';
  // htslib keeps POS in 32 bits and wraps larger values (htslib/longrefs.index.vcf has POS
  // 10009999919, which bcftools prints as 1420065327); we keep the true value.
  const pos = record.pos % 2 ** 32;
  return [record.chrom, pos, record.ref, alt, ...(withGenotypes ? record.genotypes() : [])].join('\t');
}

/** Whether bcftools knows FORMAT/GT for the file (declared, or met in a record). */
export function hasGenotypeTag(file: string): boolean {
  try {
    execFileSync('bcftools', ['query', '-f', '[%GT]', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A VCF genoflow wrote, less its two provenance header lines (each must be there exactly once). */
export function withoutProvenance(text: string): string {
  const lines = text.split('\n');
  for (const key of ['##genoflowVersion=', '##genoflowCommand=']) {
    const n = lines.filter((l) => l.startsWith(key)).length;
    if (n !== 1) throw new Error(`expected one ${key} line in the VCF genoflow wrote, found ${n}`);
  }
  return lines.filter((l) => !/^##genoflow(Version|Command)=/.test(l)).join('\n');
}
