/** samtools' flag names (`samtools flags`) and their bits. */
export const FLAG = {
  PAIRED: 0x1,
  PROPER_PAIR: 0x2,
  UNMAP: 0x4,
  MUNMAP: 0x8,
  REVERSE: 0x10,
  MREVERSE: 0x20,
  READ1: 0x40,
  READ2: 0x80,
  SECONDARY: 0x100,
  QCFAIL: 0x200,
  DUP: 0x400,
  SUPPLEMENTARY: 0x800,
} as const;
const FLAG_NAMES: Readonly<Record<string, number>> = FLAG;

/**
 * A flag mask written as samtools accepts it: a decimal or hex number (`4`, `0x904`) or
 * comma-separated names (`UNMAP,SECONDARY`).
 */
export function parseFlags(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff)
      throw new Error(`flag mask ${value} is not 0..65535`);
    return value;
  }
  const text = value.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return parseFlags(Number(text));
  let mask = 0;
  for (const name of text.split(',')) {
    const bit = FLAG_NAMES[name.trim().toUpperCase()];
    if (bit === undefined) {
      throw new Error(
        `unknown flag '${name}', expected a number, 0x hex or names among ${Object.keys(FLAG_NAMES).join(',')}`,
      );
    }
    mask |= bit;
  }
  return mask;
}
