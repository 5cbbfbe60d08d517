/** A data line that cannot be read; the reader puts `file:line: ` in front of the message. */
export class VcfLineError extends Error {}
