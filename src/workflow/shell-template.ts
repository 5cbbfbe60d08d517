/** Where a `${params.x}` stands in an `sh -c` command, as the shell will read it. */
type Context = 'bare' | 'double' | 'single' | 'quoted-heredoc';

/** A frame of the shell's nesting: `$(`/`(` count their parens, `` ` `` and quotes their closer. */
interface Frame {
  kind: 'bare' | 'backtick' | 'double' | 'single' | 'arith' | 'heredoc';
  depth: number;
  /** For a here-document: its delimiter line and whether it was quoted (no expansion). */
  delimiter?: string;
  quoted?: boolean;
}

/**
 * The quoting context at each of `offsets` (ascending) in `text`, found by reading it as
 * POSIX sh reads quotes, `$(...)`, backticks, `$((...))`, comments and here-documents.
 */
export function shellContexts(text: string, offsets: readonly number[]): Context[] {
  const stack: Frame[] = [{ kind: 'bare', depth: 0 }];
  const pendingHeredocs: { delimiter: string; quoted: boolean }[] = [];
  const found: Context[] = [];
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
    const rest = text.slice(i);
    switch (frame.kind) {
      case 'single':
        if (c === "'") stack.pop();
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
        else if (frame.kind === 'double' && c === '"') stack.pop();
        else if (frame.kind === 'arith' && rest.startsWith('))')) {
          stack.pop();
          i++;
        } else if (rest.startsWith('$((')) {
          stack.push({ kind: 'arith', depth: 0 });
          i += 2;
        } else if (rest.startsWith('$(')) {
          stack.push({ kind: 'bare', depth: 1 });
          i++;
        } else if (c === '`') stack.push({ kind: 'backtick', depth: 0 });
        break;
      default: {
        // bare text: the top level, inside $( ), inside backticks
        if (c === '\\') i++;
        else if (c === "'") stack.push({ kind: 'single', depth: 0 });
        else if (c === '"') stack.push({ kind: 'double', depth: 0 });
        else if (rest.startsWith('$((')) {
          stack.push({ kind: 'arith', depth: 0 });
          i += 2;
        } else if (rest.startsWith('$(')) {
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
        } else if (rest.startsWith('<<') && !rest.startsWith('<<<')) {
          const word = /^<<-?[ \t]*(?:'([^']*)'|"([^"]*)"|\\?([^\s;&|<>()]+))/.exec(rest);
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

/** A reference to `variable`, written so that the shell reads its value as exactly that text. */
export function variableReference(variable: string, context: Exclude<Context, 'quoted-heredoc'>): string {
  if (context === 'bare') return `"\${${variable}}"`;
  if (context === 'double') return `\${${variable}}`;
  // inside '...': close the author's quotes, expand in double quotes, reopen
  return `'"\${${variable}}"'`;
}
