import { readFile } from 'node:fs/promises';

/** A motif of a MEME file: its name, alternate name, and rows of A C G T probabilities. */
export interface MemeMotif {
  name: string;
  alternate?: string;
  pwm: number[][];
  nsites?: number;
}

/** MEME minimal format (version 4, DNA, both strands, uniform background). */
export function memeText(motifs: readonly MemeMotif[]): string {
  let text =
    'MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n';
  for (const m of motifs) {
    text += `\nMOTIF ${m.name}${m.alternate ? ` ${m.alternate}` : ''}\n`;
    text += `letter-probability matrix: alength= 4 w= ${m.pwm.length} nsites= ${m.nsites ?? 20} E= 0\n`;
    for (const row of m.pwm) text += `${row.map((p) => p.toFixed(6)).join(' ')}\n`;
  }
  return text;
}

/** The motifs of a MEME (minimal or full) file; errors name the file and line. */
export async function readMeme(path: string): Promise<MemeMotif[]> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  const motifs: MemeMotif[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('MOTIF ')) continue;
    const [, name, alternate] = line.split(/\s+/);
    if (!name) throw new Error(`${path}:${i + 1}: MOTIF without a name`);
    let j = i + 1;
    while (j < lines.length && !lines[j]!.includes('letter-probability matrix')) {
      if (lines[j]!.trim().startsWith('MOTIF ')) break;
      j++;
    }
    const header = lines[j];
    if (!header?.includes('letter-probability matrix'))
      throw new Error(`${path}:${i + 1}: MOTIF ${name} has no "letter-probability matrix:" line`);
    const width = Number(/w=\s*(\d+)/.exec(header)?.[1]);
    const alength = Number(/alength=\s*(\d+)/.exec(header)?.[1] ?? 4);
    if (!(width > 0) || alength !== 4)
      throw new Error(
        `${path}:${j + 1}: expected "letter-probability matrix: alength= 4 w= N", got "${header.trim()}"`,
      );
    const pwm: number[][] = [];
    for (let r = 0; r < width; r++) {
      const rowLine = lines[j + 1 + r];
      const row = rowLine?.trim().split(/\s+/).map(Number);
      if (row?.length !== 4 || row.some((p) => !(p >= 0 && p <= 1)))
        throw new Error(
          `${path}:${j + 2 + r}: expected 4 probabilities (A C G T) of MOTIF ${name}, got "${rowLine ?? ''}"`,
        );
      pwm.push(row);
    }
    const motif: MemeMotif = { name, pwm };
    if (alternate) motif.alternate = alternate;
    motifs.push(motif);
    i = j + width;
  }
  if (!motifs.length) throw new Error(`${path}: no MOTIF in this MEME file`);
  return motifs;
}
