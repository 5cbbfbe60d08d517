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
  return formatFloat32(value);
}

/** A 32-bit float as htslib prints it (`%g`). */
export function formatFloat32(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const magnitude = Math.abs(value);
  // The common case, fast: kputd's own range, where it rounds half up as toPrecision does.
  if (magnitude >= 0.0001 && magnitude <= 999999) return trimZeros(value.toPrecision(6));
  const [digits, exponent] = sixDigits(magnitude);
  const sign = value < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 6) {
    const e = Math.abs(exponent) < 10 ? `0${Math.abs(exponent)}` : String(Math.abs(exponent));
    return `${sign}${trimZeros(`${digits[0]}.${digits.slice(1)}`)}e${exponent < 0 ? '-' : '+'}${e}`;
  }
  const fixed =
    exponent < 0
      ? `0.${'0'.repeat(-exponent - 1)}${digits}`
      : `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  return sign + trimZeros(fixed);
}

/**
 * The 6 significant digits of a positive number outside [0.0001, 999999] and its decimal
 * exponent, rounded as printf's `%g` (which kputd calls there): an exact tie goes to the
 * even digit, where JS's toExponential rounds it up.
 */
function sixDigits(value: number): [string, number] {
  const [rounded, exponentText] = value.toExponential(5).split('e') as [string, string];
  const [exact, exactExponent] = value.toExponential(20).split('e') as [string, string];
  if (/^50*$/.test(exact.slice(7)) && Number(exact[6]) % 2 === 0)
    return [exact.replace('.', '').slice(0, 6), Number(exactExponent)];
  return [rounded.replace('.', ''), Number(exponentText)];
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0*$/, '') : text;
}
