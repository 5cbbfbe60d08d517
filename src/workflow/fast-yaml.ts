/**
 * A fast reader for the plain YAML that workflow files (and generated ones of thousands of
 * stages) are written in: block maps and sequences, one-line flow collections, plain and
 * quoted scalars, `|` and `>` block scalars, comments. It gives what the `yaml` package's
 * `toJS()` gives for such text, about 50 times faster; for anything else (anchors, tags,
 * multi-line flow or quoted scalars, duplicate keys, odd numbers, a syntax error) it gives
 * `undefined`, and the caller parses with the `yaml` package, which also places errors.
 */

/** Deeper than this is left to the full parser (which refuses it with a located error). */
const MAX_DEPTH = 64;

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

interface Line {
  indent: number;
  /** The text after the indentation, its trailing comment and spaces removed. */
  text: string;
}

export function parseSimpleYaml(text: string): unknown {
  try {
    return new Reader(text).document();
  } catch (err) {
    if (err instanceof Unsupported || err instanceof RangeError) return undefined;
    throw err;
  }
}

class Reader {
  private readonly lines: string[];
  private at = 0;

  constructor(text: string) {
    if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) unsupported();
    this.lines = text.split('\n');
  }

  document(): unknown {
    const first = this.peek();
    if (!first) return null;
    if (first.indent !== 0) unsupported();
    const value = this.block(0, 0);
    if (this.peek()) unsupported();
    return value;
  }

  /** The line `peek` last read, and where: each line is looked at several times. */
  private peeked: { at: number; line: Line } | undefined;

  /** The next content line (skipping blank and comment lines), not consumed. */
  private peek(): Line | undefined {
    if (this.peeked?.at === this.at) return this.peeked.line;
    while (this.at < this.lines.length) {
      const raw = this.lines[this.at]!;
      const body = raw.trimStart();
      if (body === '' || body.startsWith('#')) {
        this.at++;
        continue;
      }
      if (raw.startsWith('---') || raw.startsWith('...') || raw.startsWith('%')) unsupported();
      const line = { indent: raw.length - body.length, text: stripComment(body) };
      this.peeked = { at: this.at, line };
      return line;
    }
    return undefined;
  }

  /** A block node whose lines are indented exactly `indent`. */
  private block(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) unsupported();
    const line = this.peek()!;
    if (line.indent !== indent) unsupported();
    return line.text === '-' || line.text.startsWith('- ')
      ? this.sequence(indent, depth)
      : this.map(indent, depth);
  }

  private map(indent: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      const colon = keyEnd(line.text);
      const key = scalarKey(line.text.slice(0, colon));
      if (Object.hasOwn(map, key)) unsupported();
      this.at++;
      map[key] = this.valueAfter(line.text.slice(colon + 1).trim(), indent, depth, true);
    }
    this.checkDedent(indent);
    return map;
  }

  /** `underKey`: the sequence is a map value written at its key's indentation. */
  private sequence(indent: number, depth: number, underKey = false): unknown[] {
    const items: unknown[] = [];
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      if (!(line.text === '-' || line.text.startsWith('- '))) {
        if (underKey) break;
        unsupported();
      }
      const rest = line.text.slice(1).trim();
      // `- key: value` (a map inside a sequence) is left to the full parser.
      if (rest && !'"\'[{|>'.includes(rest[0]!) && hasKeyColon(rest)) unsupported();
      this.at++;
      items.push(this.valueAfter(rest, indent, depth, false));
    }
    this.checkDedent(indent);
    return items;
  }

  /** A line that ends a block must return to an enclosing indentation, not sit between. */
  private checkDedent(indent: number): void {
    const next = this.peek();
    if (next && next.indent > indent) unsupported();
  }

  /** The value after `key:` or `-`: inline, a block scalar, or a nested block below. */
  private valueAfter(rest: string, indent: number, depth: number, inMap: boolean): unknown {
    if (rest === '|' || rest === '|-' || rest === '>' || rest === '>-') return this.blockScalar(rest, indent);
    if (rest !== '') {
      const next = this.peek();
      // A plain scalar continued on the next lines is left to the full parser.
      if (next && next.indent > indent) unsupported();
      return inlineValue(rest, depth);
    }
    const next = this.peek();
    if (!next || next.indent < indent) return null;
    if (next.indent === indent) {
      // `key:` followed by `- item` at the key's own indentation is a sequence value.
      if (inMap && (next.text === '-' || next.text.startsWith('- ')))
        return this.sequence(indent, depth + 1, true);
      return null;
    }
    return this.block(next.indent, depth + 1);
  }

  /** `|`, `|-`, `>`, `>-` with lines indented alike (more-indented folded lines are left out). */
  private blockScalar(header: string, indent: number): string {
    const content: string[] = [];
    let contentIndent = -1;
    while (this.at < this.lines.length) {
      const raw = this.lines[this.at]!;
      const body = raw.trimStart();
      if (body === '') {
        if (raw.length) unsupported(); // spaces only: indentation or content, left to the full parser
        content.push('');
        this.at++;
        continue;
      }
      const lineIndent = raw.length - body.length;
      if (contentIndent === -1) {
        if (lineIndent <= indent) break;
        contentIndent = lineIndent;
      }
      if (lineIndent < contentIndent) {
        if (lineIndent > indent) unsupported();
        break;
      }
      if (header[0] === '>' && lineIndent > contentIndent) unsupported();
      content.push(raw.slice(contentIndent));
      this.at++;
    }
    while (content.length && content.at(-1) === '') content.pop();
    if (!content.length) return '';
    if (content[0] === '') unsupported(); // leading blank lines: left to the full parser
    const text = header[0] === '|' ? content.join('\n') : fold(content);
    return header.endsWith('-') ? text : `${text}\n`;
  }
}

/** Folded lines: a single break becomes a space, each blank line a newline. */
function fold(lines: string[]): string {
  let out = lines[0]!;
  let blanks = 0;
  for (const line of lines.slice(1)) {
    if (line === '') {
      blanks++;
      continue;
    }
    out += blanks ? '\n'.repeat(blanks) : ' ';
    out += line;
    blanks = 0;
  }
  return out;
}

/** Removes a ` #` comment outside quotes and trailing spaces. */
function stripComment(body: string): string {
  let quote = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      // a quote opens a quoted scalar only where a scalar starts
      const before = body[i - 1];
      if (i === 0 || before === ' ' || before === '[' || before === '{' || before === ',') quote = c;
    } else if (c === '#' && (i === 0 || body[i - 1] === ' ')) {
      return body.slice(0, i).trimEnd();
    }
  }
  if (quote) unsupported();
  return body.trimEnd();
}

/** Where the `:` of `key: value` is; only plain word keys and quoted keys. */
function keyEnd(text: string): number {
  if (text[0] === '"' || text[0] === "'") {
    const end = quotedEnd(text, 0);
    if (text[end] !== ':' || (end + 1 < text.length && text[end + 1] !== ' ')) unsupported();
    return end;
  }
  const match = /^[A-Za-z_][^\s:#,[\]{}"']*:(?= |$)/.exec(text);
  if (!match) unsupported();
  return match![0].length - 1;
}

const hasKeyColon = (text: string) => /^[^\s:]+:( |$)/.test(text);

function scalarKey(text: string): string {
  if (text[0] === '"' || text[0] === "'") return quoted(text, 0)[0];
  return plainKey(text);
}

/** A plain key that reads as itself (`True:` or `null:` would be keyed "true", "null"). */
function plainKey(text: string): string {
  if (/^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/.test(text)) unsupported();
  return text;
}

/** The index just past a quoted scalar that starts at `start`. */
function quotedEnd(text: string, start: number): number {
  return quoted(text, start)[1];
}

/** A quoted scalar at `start`: its value and the index past its closing quote. */
function quoted(text: string, start: number): [string, number] {
  const q = text[start]!;
  let out = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (q === "'") {
      if (c === "'") {
        if (text[i + 1] === "'") {
          out += "'";
          i++;
          continue;
        }
        return [out, i + 1];
      }
      out += c;
      continue;
    }
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const unescaped = ESCAPES[text[i + 1]!];
      if (unescaped === undefined) unsupported();
      out += unescaped;
      i++;
      continue;
    }
    out += c;
  }
  return unsupported();
}

const ESCAPES: Record<string, string> = {
  '\\': '\\',
  '"': '"',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
};

/** A value written on the line of its key: a scalar or a one-line flow collection. */
function inlineValue(text: string, depth: number): unknown {
  if (text[0] === '[' || text[0] === '{') {
    const [value, end] = flow(text, 0, depth + 1);
    if (end !== text.length) unsupported();
    return value;
  }
  if (text[0] === '"' || text[0] === "'") {
    const [value, end] = quoted(text, 0);
    if (end !== text.length) unsupported();
    return value;
  }
  return plainScalar(text, false);
}

/** A flow collection at `start`: its value and the index past it. */
function flow(text: string, start: number, depth: number): [unknown, number] {
  if (depth > MAX_DEPTH) unsupported();
  const open = text[start]!;
  const close = open === '[' ? ']' : '}';
  const items: unknown[] = [];
  const map: Record<string, unknown> = {};
  let i = skipSpaces(text, start + 1);
  if (text[i] === close) return [open === '[' ? items : map, i + 1];
  for (;;) {
    if (open === '{') {
      let key: string;
      if (text[i] === '"' || text[i] === "'") [key, i] = quoted(text, i);
      else {
        const match = /^[A-Za-z_][^\s:#,[\]{}"']*/.exec(text.slice(i));
        if (!match) unsupported();
        key = plainKey(match![0]);
        i += key.length;
      }
      if (text[i] !== ':' || text[i + 1] !== ' ' || Object.hasOwn(map, key) || key === '<<') unsupported();
      let value: unknown;
      [value, i] = flowValue(text, skipSpaces(text, i + 1), depth);
      map[key] = value;
    } else {
      let value: unknown;
      [value, i] = flowValue(text, i, depth);
      items.push(value);
    }
    i = skipSpaces(text, i);
    if (text[i] === close) return [open === '[' ? items : map, i + 1];
    if (text[i] !== ',') unsupported();
    i = skipSpaces(text, i + 1);
    if (text[i] === close) unsupported(); // a trailing comma: left to the full parser
  }
}

function flowValue(text: string, start: number, depth: number): [unknown, number] {
  const c = text[start];
  if (c === '[' || c === '{') return flow(text, start, depth + 1);
  if (c === '"' || c === "'") return quoted(text, start);
  let end = start;
  while (end < text.length && !',[]{}'.includes(text[end]!)) end++;
  const raw = text.slice(start, end).trimEnd();
  if (!raw || raw.includes(': ') || raw.endsWith(':')) unsupported();
  return [plainScalar(raw, true), end];
}

const skipSpaces = (text: string, i: number) => {
  while (text[i] === ' ') i++;
  return i;
};

/** A plain scalar as YAML 1.2's core schema reads it; anything doubtful is unsupported. */
function plainScalar(text: string, inFlow: boolean): unknown {
  const first = text[0]!;
  if ('&*!|>%@`?,]}:'.includes(first) || (first === '-' && (text[1] === ' ' || text.length === 1)))
    unsupported();
  if (!inFlow && (text.includes(': ') || text.endsWith(':'))) unsupported();
  if (inFlow && /[[\]{}]/.test(text)) unsupported();
  switch (text) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (/^-?(0|[1-9][0-9]{0,14})$/.test(text)) return Number(text);
  if (/^-?(0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/.test(text)) return Number(text);
  // A size or a duration (`memory: 1 GB`, `time: 2.5 h`) is text: no number holds a space.
  if (/^[0-9]+(\.[0-9]+)? [A-Za-z]+$/.test(text)) return text;
  // Other numbers (`+1`, `007`, `1e3`, `.5`, `0x1f`, `.inf`) and near-numbers: the full parser.
  if (/^[-+]?\.?[0-9]/.test(text) || /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/.test(text)) unsupported();
  return text;
}
