// Checks editors/tree-sitter-threat without the tree-sitter CLI (which
// downloads its binary at install time, and cannot here): it loads
// grammar.js with its own implementation of the grammar DSL (grammar, seq,
// choice, repeat, optional, token, prec, field, alias), checks that every
// rule it names exists and that queries/*.scm name only nodes the grammar
// has, and then runs the grammar itself as a backtracking parser:
//
//   - every test in test/corpus/*.txt parses to the tree written under it
//     (named nodes and fields, as `tree-sitter test` compares them);
//   - every file given parses whole, without an error.
//
// The parser follows tree-sitter's rules where they matter for these
// files: extras (white space, comments) between tokens, a comment going to
// the node that is open where it stands, keywords as whole words (the
// `word` rule), hidden rules (`_name`) lifted into their parent. It is a
// model of the grammar, not tree-sitter's LR(1) tables: a conflict that
// `tree-sitter generate` would report is not found here.
//
//   node tests/tools/tree-sitter-check.js GRAMMAR_DIR FILE...
// Prints `ok`/`FAIL` lines; exits 1 on a failure.
'use strict';

const fs = require('fs');
const path = require('path');

// ---- the DSL ---------------------------------------------------------------
function normalize(rule) {
  if (typeof rule === 'string') return { type: 'STRING', value: rule };
  if (rule instanceof RegExp) return { type: 'PATTERN', value: rule.source };
  if (rule && rule.type) return rule;
  throw new Error(`not a rule: ${rule}`);
}
const dsl = {
  seq: (...members) => ({ type: 'SEQ', members: members.map(normalize) }),
  choice: (...members) => ({ type: 'CHOICE', members: members.map(normalize) }),
  repeat: (rule) => ({ type: 'REPEAT', content: normalize(rule) }),
  repeat1: (rule) => ({ type: 'REPEAT1', content: normalize(rule) }),
  optional: (rule) => ({ type: 'CHOICE', members: [normalize(rule), { type: 'BLANK' }] }),
  blank: () => ({ type: 'BLANK' }),
  field: (name, rule) => ({ type: 'FIELD', name, content: normalize(rule) }),
  alias: (rule, value) => ({ type: 'ALIAS', content: normalize(rule), value }),
  token: Object.assign((rule) => ({ type: 'TOKEN', content: normalize(rule) }), {
    immediate: (rule) => ({ type: 'TOKEN', content: normalize(rule) }),
  }),
  prec: Object.assign((_, rule) => normalize(rule), {
    left: (a, b) => normalize(b === undefined ? a : b),
    right: (a, b) => normalize(b === undefined ? a : b),
    dynamic: (_, rule) => normalize(rule),
  }),
};
function grammar(spec) {
  const referenced = new Set();
  const $ = new Proxy(
    {},
    {
      get: (_, name) => {
        referenced.add(name);
        return { type: 'SYMBOL', name };
      },
    }
  );
  const rules = {};
  for (const [name, body] of Object.entries(spec.rules)) rules[name] = normalize(body($));
  return {
    name: spec.name,
    rules,
    start: Object.keys(spec.rules)[0],
    extras: (spec.extras ? spec.extras($) : [/\s/]).map(normalize),
    word: spec.word ? spec.word($).name : null,
    referenced,
  };
}

// ---- the parser --------------------------------------------------------------
// A token rule as one regular expression.
function tokenSource(rule) {
  switch (rule.type) {
    case 'STRING':
      return rule.value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    case 'PATTERN':
      return rule.value;
    case 'SEQ':
      return rule.members.map(tokenSource).join('');
    case 'CHOICE':
      return `(?:${rule.members.map((m) => (m.type === 'BLANK' ? '' : tokenSource(m))).join('|')})`;
    case 'REPEAT':
      return `(?:${tokenSource(rule.content)})*`;
    case 'REPEAT1':
      return `(?:${tokenSource(rule.content)})+`;
    case 'TOKEN':
      return tokenSource(rule.content);
    default:
      throw new Error(`${rule.type} inside a token`);
  }
}

function makeParser(g, text) {
  const regexes = new Map();
  const sticky = (source) => {
    if (!regexes.has(source)) regexes.set(source, new RegExp(source, 'y'));
    return regexes.get(source);
  };
  const isToken = (rule) => rule.type === 'PATTERN' || rule.type === 'TOKEN';
  const wordRegex = g.word ? sticky(tokenSource(g.rules[g.word])) : null;
  let furthest = 0;

  // The extras at pos: [end, comment nodes].
  function skipExtras(pos) {
    const nodes = [];
    for (;;) {
      let moved = false;
      for (const extra of g.extras) {
        if (extra.type === 'SYMBOL') {
          const re = sticky(tokenSource(g.rules[extra.name]));
          re.lastIndex = pos;
          const m = re.exec(text);
          if (m && m[0].length) {
            nodes.push({ type: extra.name, children: [], start: pos, end: pos + m[0].length });
            pos += m[0].length;
            moved = true;
          }
        } else {
          const re = sticky(tokenSource(extra));
          re.lastIndex = pos;
          const m = re.exec(text);
          if (m && m[0].length) {
            pos += m[0].length;
            moved = true;
          }
        }
      }
      if (!moved) return [pos, nodes];
    }
  }

  // Length of the token rule at pos, or -1.
  function lex(rule, pos) {
    if (rule.type === 'STRING') {
      if (!text.startsWith(rule.value, pos)) return -1;
      // a keyword is a whole word: "processor" is not "process"
      if (wordRegex && /^[A-Za-z_]/.test(rule.value)) {
        wordRegex.lastIndex = pos;
        const m = wordRegex.exec(text);
        if (!m || m[0].length !== rule.value.length) return -1;
      }
      return rule.value.length;
    }
    const re = sticky(tokenSource(rule));
    re.lastIndex = pos;
    const m = re.exec(text);
    return m && m[0].length ? m[0].length : -1;
  }

  // Yields { pos, nodes } for every way rule matches at pos.
  function* match(rule, pos) {
    switch (rule.type) {
      case 'BLANK':
        yield { pos, nodes: [] };
        return;
      case 'STRING':
      case 'PATTERN':
      case 'TOKEN': {
        const [start, comments] = skipExtras(pos);
        const length = lex(rule, start);
        if (length < 0) return;
        furthest = Math.max(furthest, start + length);
        yield { pos: start + length, nodes: comments };
        return;
      }
      case 'SEQ':
        yield* sequence(rule.members, 0, pos);
        return;
      case 'CHOICE':
        for (const member of rule.members) yield* match(member, pos);
        return;
      case 'REPEAT':
        yield* repeat(rule.content, pos);
        return;
      case 'REPEAT1':
        for (const first of match(rule.content, pos))
          if (first.pos > pos)
            for (const rest of repeat(rule.content, first.pos)) yield { pos: rest.pos, nodes: first.nodes.concat(rest.nodes) };
        return;
      case 'FIELD':
        for (const r of match(rule.content, pos))
          yield { pos: r.pos, nodes: r.nodes.map((n) => (n.type === 'comment' ? n : { ...n, field: rule.name })) };
        return;
      case 'ALIAS':
        for (const r of match(rule.content, pos)) yield r;
        return;
      case 'SYMBOL':
        yield* symbol(rule.name, pos);
        return;
      default:
        throw new Error(`unknown rule type ${rule.type}`);
    }
  }
  function* sequence(members, index, pos) {
    if (index === members.length) {
      yield { pos, nodes: [] };
      return;
    }
    for (const head of match(members[index], pos))
      for (const tail of sequence(members, index + 1, head.pos)) yield { pos: tail.pos, nodes: head.nodes.concat(tail.nodes) };
  }
  function* repeat(content, pos) {
    for (const head of match(content, pos))
      if (head.pos > pos)
        for (const tail of repeat(content, head.pos)) yield { pos: tail.pos, nodes: head.nodes.concat(tail.nodes) };
    yield { pos, nodes: [] };
  }
  function* symbol(name, pos) {
    const body = g.rules[name];
    if (name.startsWith('_')) {
      yield* match(body, pos);
      return;
    }
    // extras before a node belong to its parent
    const [start, comments] = skipExtras(pos);
    if (isToken(body)) {
      const length = lex(body, start);
      if (length < 0) return;
      furthest = Math.max(furthest, start + length);
      yield { pos: start + length, nodes: comments.concat([{ type: name, children: [], start, end: start + length }]) };
      return;
    }
    for (const r of match(body, start))
      yield { pos: r.pos, nodes: comments.concat([{ type: name, children: r.nodes, start, end: r.pos }]) };
  }

  return {
    // The whole text as the start rule's node, or null.
    parse() {
      for (const r of symbol(g.start, 0)) {
        const [end, comments] = skipExtras(r.pos);
        if (end === text.length) {
          const root = r.nodes[r.nodes.length - 1];
          root.children = r.nodes.slice(0, -1).concat(root.children, comments);
          return root;
        }
      }
      return null;
    },
    furthest: () => furthest,
  };
}

function sexp(node) {
  const inner = node.children.map(sexp).join(' ');
  return `${node.field ? `${node.field}: ` : ''}(${node.type}${inner ? ` ${inner}` : ''})`;
}
const squash = (s) => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();

function position(text, offset) {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

// ---- the checks ----------------------------------------------------------------
const [dir, ...files] = process.argv.slice(2);
let failed = 0;
const ok = (what) => console.log(`ok   ${what}`);
const fail = (what, detail) => {
  failed++;
  console.log(`FAIL ${what}`);
  if (detail) console.log(String(detail).split('\n').slice(0, 12).map((l) => `  | ${l}`).join('\n'));
};

let g;
try {
  Object.assign(global, dsl, { grammar });
  g = require(path.resolve(dir, 'grammar.js'));
  ok(`tree-sitter: grammar.js loads (grammar '${g.name}', ${Object.keys(g.rules).length} rules)`);
} catch (error) {
  fail('tree-sitter: grammar.js loads', error.stack);
  process.exit(1);
}

const undefinedRules = [...g.referenced].filter((name) => !(name in g.rules));
if (undefinedRules.length) fail(`tree-sitter: grammar.js names undefined rules: ${undefinedRules.join(', ')}`);
else ok('tree-sitter: every rule grammar.js names is defined');

// Node names and anonymous tokens the queries may use.
const literals = new Set();
(function collect(rule) {
  if (!rule || typeof rule !== 'object') return;
  if (rule.type === 'STRING') literals.add(rule.value);
  for (const key of ['content']) collect(rule[key]);
  for (const member of rule.members || []) collect(member);
})({ members: Object.values(g.rules) });
const queryDir = path.join(dir, 'queries');
for (const file of fs.existsSync(queryDir) ? fs.readdirSync(queryDir).sort() : []) {
  const query = fs.readFileSync(path.join(queryDir, file), 'utf8').replace(/^\s*;.*$/gm, '');
  const unknown = [];
  for (const m of query.matchAll(/\((\w+)/g)) if (m[1] !== '_' && (!(m[1] in g.rules) || m[1].startsWith('_'))) unknown.push(m[1]);
  for (const m of query.matchAll(/"((?:[^"\\]|\\.)*)"/g)) if (!literals.has(m[1])) unknown.push(`"${m[1]}"`);
  for (const m of query.matchAll(/(\w+):\s*[("[]/g)) {
    const used = JSON.stringify(g.rules).includes(`"name":"${m[1]}"`);
    if (!used) unknown.push(`${m[1]}:`);
  }
  if (unknown.length) fail(`tree-sitter: queries/${file} names what the grammar lacks: ${[...new Set(unknown)].join(' ')}`);
  else ok(`tree-sitter: queries/${file} names only nodes, tokens and fields of the grammar`);
}

const corpusDir = path.join(dir, 'test', 'corpus');
let cases = 0;
for (const file of fs.readdirSync(corpusDir).filter((f) => f.endsWith('.txt')).sort()) {
  const text = fs.readFileSync(path.join(corpusDir, file), 'utf8');
  const parts = text.split(/^={3,}\n(.*)\n={3,}\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const name = parts[i].trim();
    const [input, expected] = parts[i + 1].split(/^-{3,}\n/m);
    cases++;
    const parser = makeParser(g, input.replace(/\n$/, ''));
    const tree = parser.parse();
    if (!tree) {
      fail(`tree-sitter corpus ${file}: ${name}: no parse (stops near ${position(input, parser.furthest())})`);
    } else if (squash(sexp(tree)) !== squash(expected)) {
      fail(`tree-sitter corpus ${file}: ${name}`, `expected ${squash(expected)}\nparsed   ${squash(sexp(tree))}`);
    } else {
      ok(`tree-sitter corpus ${file}: ${name}`);
    }
  }
}
if (cases < 5) fail(`tree-sitter: only ${cases} corpus tests in ${corpusDir}`);

for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const parser = makeParser(g, text);
  if (parser.parse()) ok(`tree-sitter: ${file} parses without an error`);
  else fail(`tree-sitter: ${file} does not parse: stops near ${position(text, parser.furthest())}`);
}
process.exit(failed ? 1 : 0);
