/**
 * Where a `${params.x}` stands in an `sh -c` command, as the shell will read it; `code` is
 * inside a quoted string that a nested shell runs (`bash -c '...'`, `eval "..."`), with
 * where it stands in that script.
 */
export type Context =
  | 'bare'
  | 'double'
  | 'single'
  | 'quoted-heredoc'
  | { code: 'single' | 'double'; inner: Context };

/** A frame of the shell's nesting: `$(`/`(` count their parens, `` ` `` and quotes their closer. */
interface Frame {
  kind: 'bare' | 'backtick' | 'double' | 'single' | 'arith' | 'heredoc';
  depth: number;
  /** For a here-document: its delimiter line and whether it was quoted (no expansion). */
  delimiter?: string;
  quoted?: boolean;
  /** For a quoted string run by a nested shell: where its text starts. */
  codeStart?: number;
}

/** `sh -c`, `bash -lc`, `eval` and the like just before a quoted string: it is a script. */
const nestedShell =
  /(?:^|[\s;&|(`])(?:(?:\S*\/)?(?:sh|bash|dash|zsh|ksh|ash)(?:\s+-[A-Za-z]+)*?\s+-[A-Za-z]*c[A-Za-z]*|eval)\s+$/;

/**
 * The quoting context at each of `offsets` (ascending) in `text`, found by reading it as
 * POSIX sh reads quotes, `$(...)`, backticks, `$((...))`, comments, here-documents and the
 * scripts of nested shells (`sh -c "..."`, `eval`).
 */
export function shellContexts(text: string, offsets: readonly number[]): Context[] {
  const stack: Frame[] = [{ kind: 'bare', depth: 0 }];
  const pendingHeredocs: { delimiter: string; quoted: boolean }[] = [];
  const found: Context[] = [];
  /** A nested script ends: the offsets inside it take their context in that script. */
  const endCode = (frame: Frame, end: number) => {
    const start = frame.codeStart!;
    const quote = frame.kind === 'single' ? 'single' : 'double';
    const inside = offsets.flatMap((o, k) => (o >= start && o < end && k < found.length ? [k] : []));
    if (!inside.length) return;
    const [script, at] =
      quote === 'single'
        ? [text.slice(start, end), (o: number) => o - start]
        : unescapeDouble(text, start, end);
    const inner = shellContexts(
      script,
      inside.map((k) => at(offsets[k]!)),
    );
    inside.forEach((k, n) => {
      found[k] = { code: quote, inner: inner[n]! };
    });
  };
  // the words before a quote, on its line (a command ends there), enough to name a shell
  const lookBehind = (i: number) => text.slice(Math.max(text.lastIndexOf('\n', i - 1) + 1, i - 200), i);
  const open = (kind: 'single' | 'double', i: number): Frame => ({
    kind,
    depth: 0,
    ...(nestedShell.test(lookBehind(i)) ? { codeStart: i + 1 } : {}),
  });
  const close = (i: number) => {
    const frame = stack.pop()!;
    if (frame.codeStart !== undefined) endCode(frame, i);
  };
  let next = 0;
  const top = () => stack.at(-1)!;
  const contextOf = (frame: Frame): Context =>
    frame.kind === 'single'
      ? 'single'
      : frame.kind === 'double' || frame.kind === 'arith'
        ? 'double'
        : frame.kind === 'heredoc'
          ? frame.quoted
            ? 'quoted-heredoc'
            : 'double'
          : 'bare';
  for (let i = 0; i <= text.length; i++) {
    while (next < offsets.length && offsets[next]! <= i) {
      found.push(contextOf(top()));
      next++;
    }
    if (i === text.length) break;
    const frame = top();
    const c = text[i]!;
    switch (frame.kind) {
      case 'single':
        if (c === "'") close(i);
        break;
      case 'heredoc': {
        // read a line at a time: the body ends at a line that is its delimiter
        const lineEnd = text.indexOf('\n', i);
        const line = text.slice(i, lineEnd === -1 ? text.length : lineEnd);
        if (line.replace(/^\t+/, '') === frame.delimiter) stack.pop();
        i += line.length;
        break;
      }
      case 'double':
      case 'arith':
        if (c === '\\') i++;
        else if (frame.kind === 'double' && c === '"') close(i);
        else if (frame.kind === 'arith' && text.startsWith('))', i)) {
          stack.pop();
          i++;
        } else if (text.startsWith('$((', i)) {
          stack.push({ kind: 'arith', depth: 0 });
          i += 2;
        } else if (text.startsWith('$(', i)) {
          stack.push({ kind: 'bare', depth: 1 });
          i++;
        } else if (c === '`') stack.push({ kind: 'backtick', depth: 0 });
        break;
      default: {
        // bare text: the top level, inside $( ), inside backticks
        if (c === '\\') i++;
        else if (c === "'") stack.push(open('single', i));
        else if (c === '"') stack.push(open('double', i));
        else if (text.startsWith('$((', i)) {
          stack.push({ kind: 'arith', depth: 0 });
          i += 2;
        } else if (text.startsWith('$(', i)) {
          stack.push({ kind: 'bare', depth: 1 });
          i++;
        } else if (c === '`') {
          if (frame.kind === 'backtick') stack.pop();
          else stack.push({ kind: 'backtick', depth: 0 });
        } else if (c === '(') frame.depth++;
        else if (c === ')' && frame.depth > 0 && --frame.depth === 0 && stack.length > 1) stack.pop();
        else if (c === '#' && (i === 0 || /[\s;&|(]/.test(text[i - 1]!))) {
          const end = text.indexOf('\n', i);
          i = (end === -1 ? text.length : end) - 1;
        } else if (text.startsWith('<<', i) && !text.startsWith('<<<', i)) {
          const word = /^<<-?[ \t]*(?:'([^']*)'|"([^"]*)"|\\?([^\s;&|<>()]+))/.exec(text.slice(i, i + 1024));
          if (word) {
            const delimiter = word[1] ?? word[2] ?? word[3]!;
            pendingHeredocs.push({ delimiter, quoted: word[3] === undefined || word[0].includes('\\') });
            i += word[0].length - 1;
          }
        } else if (c === '\n' && pendingHeredocs.length) {
          // bodies follow in order, the first one on top once they are pushed in reverse
          for (const heredoc of pendingHeredocs.reverse())
            stack.push({ kind: 'heredoc', depth: 0, ...heredoc });
          pendingHeredocs.length = 0;
        }
      }
    }
  }
  return found;
}

/** The variable a param reaches a shell command in: `GENOFLOW_PARAM_` + its name, `-` as `_`. */
export function paramVariable(name: string): string {
  return `GENOFLOW_PARAM_${name.replace(/-/g, '_')}`;
}

/** The script a nested shell gets from `"..."` at [start, end): backslash escapes undone. */
function unescapeDouble(text: string, start: number, end: number): [string, (offset: number) => number] {
  let script = '';
  const map = new Map<number, number>();
  for (let i = start; i < end; i++) {
    if (text[i] === '\\' && text[i + 1] === '\n') {
      i++; // a line continuation is removed
      continue;
    }
    if (text[i] === '\\' && '$`"\\'.includes(text[i + 1] ?? '')) i++;
    map.set(i, script.length);
    script += text[i];
  }
  return [script, (offset) => map.get(offset)!];
}

/** Whether the reference stands in a here-document whose delimiter is quoted: nothing expands there. */
export function inLiteralHeredoc(context: Context): boolean {
  return typeof context === 'string' ? context === 'quoted-heredoc' : inLiteralHeredoc(context.inner);
}

/** A reference to `variable`, written so that the shell reads its value as exactly that text. */
export function variableReference(variable: string, context: Context): string {
  if (context === 'bare') return `"\${${variable}}"`;
  if (context === 'double') return `\${${variable}}`;
  // inside '...': close the author's quotes, expand in double quotes, reopen
  if (context === 'single') return `'"\${${variable}}"'`;
  // refused before it gets here (inLiteralHeredoc)
  if (context === 'quoted-heredoc') throw new Error('a reference in a quoted here-document has no value');
  // a nested shell expands it from the environment: the outer one passes the reference on
  const inner = variableReference(variable, context.inner);
  return context.code === 'single' ? inner.replaceAll("'", `'\\''`) : inner.replace(/[\\"$`]/g, '\\$&');
}
