/**
 * A Float value (or comma-separated list) as bcftools prints it: stored as a 32-bit float,
 * printed with C's `%g` (6 significant digits, trailing zeros dropped): `0.950` -> `0.95`.
 * Items that are not numbers (`.`) stay as they are.
 */
export function bcftoolsFloats(text: string): string {
  if (!text.includes(',')) return bcftoolsFloat(text);
  return text.split(',').map(bcftoolsFloat).join(',');
}

function bcftoolsFloat(item: string): string {
  const value = Math.fround(Number(item));
  if (item === '' || item === '.' || Number.isNaN(value)) return item;
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential(5).split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = Math.abs(exponent) < 10 ? `0${Math.abs(exponent)}` : String(Math.abs(exponent));
    return `${trimZeros(mantissa)}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  return trimZeros(value.toFixed(5 - exponent));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
