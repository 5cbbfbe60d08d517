/**
 * Gathers output lines into few large writes. Unmodified lines that lie one after another
 * in the same input bytes go out as one slice of those bytes: no copy, no encoding.
 */
export class LineGatherer {
  /** Characters or bytes gathered since the last `take`. */
  size = 0;
  private chunks: Array<string | Buffer> = [];
  private texts: string[] = [];
  // The slice being extended; while it is open, `texts` is empty.
  private run: Buffer | undefined;
  private runStart = 0;
  private runEnd = 0;

  /** Adds text (lines with their newlines). */
  text(text: string): void {
    this.closeRun();
    this.texts.push(text);
    this.size += text.length;
  }

  /** Adds `bytes[start, end)`. */
  bytes(bytes: Buffer, start: number, end: number): void {
    if (this.run === bytes && this.runEnd === start) {
      this.runEnd = end;
    } else {
      this.closeRun();
      this.closeTexts();
      this.run = bytes;
      this.runStart = start;
      this.runEnd = end;
    }
    this.size += end - start;
  }

  /** Everything gathered, in order, as chunks to write; the gatherer is empty afterwards. */
  take(): Array<string | Buffer> {
    this.closeRun();
    this.closeTexts();
    const chunks = this.chunks;
    this.chunks = [];
    this.size = 0;
    return chunks;
  }

  private closeRun(): void {
    if (!this.run) return;
    this.chunks.push(this.run.subarray(this.runStart, this.runEnd));
    this.run = undefined;
  }

  private closeTexts(): void {
    if (!this.texts.length) return;
    this.chunks.push(this.texts.join(''));
    this.texts = [];
  }
}
