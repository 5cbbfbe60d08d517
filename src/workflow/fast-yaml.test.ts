import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSimpleYaml } from './fast-yaml.js';

const workflowsDir = join(import.meta.dirname, '../../workflows');

/** Plain YAML the fast reader must read itself, as the yaml package does. */
const plain = [
  'cpus: 1\nmemory: 1 GB\ntime: 2.5 h\nsheet: { memory: 8 GB }\n',
  'name: x\nstages:\n  a:\n    uses: text.read\n    with: { path: "-" }\n',
  'a: 1\nb: -2\nc: 0.25\nd: -0.5\ne: true\nf: False\ng: ~\nh: null\ni:\nj: yes\nk: 0\n',
  "s: 'it''s'\nt: \"a\\tb\\n\\\"q\\\" \\\\ \\/\"\nu: don't # comment\nv: a#b\nw: ${params.x}/out\n",
  'from: { model: train, in: tokens }\nlist: [a, "b c", 3, [x, y], {}]\nempty: []\nm: {}\n',
  'plugins:\n  - ./a\n  - "b"\nkeys:\n- one\n- two\nafter: 1\n',
  'cmd: |\n  echo a\n    indented\n\n  echo b # not a comment\n\nnext: 1\n',
  'cmd: |-\n  x\n  y\nfold: >\n  one\n  two\n\n  three\n\nstrip: >-\n  a\n  b\n',
  '# a comment\n\nname: n   # trailing\nPathogenic/Likely_pathogenic: p\n"quoted key": 1\n\'single\': 2\n',
  'deep:\n  a:\n    b:\n      c: [1, {d: e}]\n',
  'url: http://example.org/x\nneg: -x\ndash: a-b\n',
  '- a\n- b\n',
  '',
];

/** YAML it leaves to the full parser. */
const other = [
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a: 1e3\n',
  'a: +1\n',
  'a: 007\n',
  'a: .5\n',
  'a: 0x1f\n',
  'a: .inf\n',
  'a: one\n  two\n',
  'a: 1\na: 2\n',
  'True: 1\n',
  'a: "multi\n  line"\n',
  'a: [1,\n  2]\n',
  '---\na: 1\n',
  'a:\n\tb: 1\n',
  'a: b: c\n',
  'l:\n  - k: v\n',
  'a: >\n  x\n    more\n',
  'a: [1, 2,]\n',
  'a: "\\x41"\n',
  'a: |2\n   x\n',
  'a: 12:30\n',
];

describe('fast YAML reader', () => {
  it.each(readdirSync(workflowsDir).filter((f) => f.endsWith('.yaml')))(
    'reads workflows/%s as the yaml package does',
    (file) => {
      const text = readFileSync(join(workflowsDir, file), 'utf8');
      const fast = parseSimpleYaml(text);
      expect(fast).not.toBeUndefined();
      expect(fast).toStrictEqual(parse(text));
    },
  );

  it.each(plain.map((text) => [JSON.stringify(text).slice(0, 60), text]))(
    'reads %s as the yaml package does',
    (_, text) => {
      const fast = parseSimpleYaml(text);
      expect(fast).not.toBeUndefined();
      expect(fast).toStrictEqual(parse(text));
    },
  );

  it.each(other.map((text) => [JSON.stringify(text), text]))('leaves %s to the full parser', (_, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it('reads a generated 2,000-stage chain as the yaml package does', () => {
    let text = 'name: chain\nstages:\n  s0:\n    uses: text.read\n    with: { path: input.txt }\n';
    for (let i = 1; i <= 2000; i++)
      text += `  s${i}:\n    uses: shell.run\n    from: s${i - 1}\n    with: { command: "cat | tr a-z A-Z" }\n`;
    expect(parseSimpleYaml(text)).toStrictEqual(parse(text));
  });
});
