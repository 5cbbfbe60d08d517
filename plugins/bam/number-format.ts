/** Formats a number as C's `printf("%g")` does (6 significant digits), as samtools prints floats. */
export function formatG(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const scientific = value.toExponential(5);
  const e = scientific.indexOf('e');
  const exponent = Number(scientific.slice(e + 1));
  if (exponent < -4 || exponent >= 6) {
    const mantissa = stripZeros(scientific.slice(0, e));
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  return stripZeros(value.toFixed(5 - exponent));
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
