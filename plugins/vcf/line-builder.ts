/**
 * Builds one line of text from pieces into a reused byte buffer, then makes it a single
 * flat string in one step: much less garbage than `+=` on many small strings. Holds
 * Latin-1 only; `wide` turns true when a piece had a character beyond, and the caller
 * must then build the line another way.
 */
export class LineBuilder {
  wide = false;
  private bytes = Buffer.allocUnsafe(1 << 16);
  private length = 0;

  reset(): void {
    this.length = 0;
    this.wide = false;
  }

  text(text: string): void {
    this.range(text, 0, text.length);
  }

  /** Adds `text.slice(start, end)` without making that slice. */
  range(text: string, start: number, end: number): void {
    if (this.length + end - start > this.bytes.length) this.grow(end - start);
    const bytes = this.bytes;
    let n = this.length;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) this.wide = true;
      bytes[n++] = c;
    }
    this.length = n;
  }

  toString(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }

  private grow(extra: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.length + extra));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }
}

/** The same interface over plain string concatenation, for lines that are not Latin-1. */
export class StringBuilder {
  wide = false;
  private out = '';

  reset(): void {
    this.out = '';
  }

  text(text: string): void {
    this.out += text;
  }

  range(text: string, start: number, end: number): void {
    this.out += text.slice(start, end);
  }

  toString(): string {
    return this.out;
  }
}
