/**
 * Tree-sitter grammar for threat models (*.threat): doc/editors.md.
 * The language is defined in grammar/threat.ebnf; this grammar follows it
 * rule for rule, and is lenient where an editor should be (an attribute's
 * value takes any reference form; the resolver, not the parser, says
 * which are meaningful).
 */

// One or more of rule, separated by commas, a trailing comma allowed.
function commaSeparated(rule) {
  return seq(rule, repeat(seq(',', rule)), optional(','));
}

// KIND ID [LABEL] [BODY]: the shape of every element-like statement.
function declaration($, keyword, body) {
  return seq(
    keyword,
    field('id', $.identifier),
    optional(field('label', $._label)),
    optional(field('body', body)),
  );
}

module.exports = grammar({
  name: 'threat',

  extras: ($) => [/\s/, $.comment],

  // Keywords are contextual: "process" is a keyword where a statement may
  // start and an ordinary identifier elsewhere.
  word: ($) => $.identifier,

  rules: {
    source_file: ($) => repeat(seq($._statement, optional(';'))),

    _statement: ($) =>
      choice(
        $.model_statement,
        $.use_statement,
        $.include_statement,
        $.element_statement,
        $.process_statement,
        $.store_statement,
        $.boundary_statement,
        $.flow_statement,
        $.threat_statement,
        $.mitigation_statement,
        $.accept_statement,
      ),

    model_statement: ($) =>
      seq('model', field('label', $._label), optional(field('body', $.block))),

    use_statement: ($) => seq('use', field('path', $.string)),

    include_statement: ($) => seq('include', field('path', $.string)),

    element_statement: ($) =>
      declaration($, field('kind', choice('asset', 'actor', 'external')), $.block),

    // A process block may declare child processes and stores.
    process_statement: ($) => declaration($, 'process', $.process_block),

    process_block: ($) =>
      seq(
        '{',
        repeat(seq(choice($.process_statement, $.store_statement, $.attribute), optional(';'))),
        '}',
      ),

    store_statement: ($) => declaration($, 'store', $.block),

    boundary_statement: ($) =>
      seq(
        'boundary',
        field('id', $.identifier),
        optional(field('label', $._label)),
        optional(field('members', $.members)),
        optional(field('body', $.block)),
      ),

    members: ($) => seq('<', optional(commaSeparated($.path)), '>'),

    flow_statement: ($) =>
      seq(
        'flow',
        optional(seq(field('id', $.identifier), ':')),
        field('from', $.path),
        field('arrow', $.arrow),
        field('to', $.path),
        optional(field('label', $._label)),
        optional(field('body', $.block)),
      ),

    threat_statement: ($) => declaration($, 'threat', $.block),

    mitigation_statement: ($) => declaration($, 'mitigation', $.block),

    accept_statement: ($) =>
      seq(
        'accept',
        field('finding', $.finding),
        optional(field('label', $._label)),
        optional(field('body', $.block)),
      ),

    // T-01, STRIDE-R-01@api, STRIDE-I-02@web->api, STRIDE-T-*@api
    finding: ($) =>
      seq(
        field('rule', $._word),
        optional(
          seq(
            '@',
            field('element', $.pattern_path),
            optional(seq(field('arrow', $.arrow), field('to', $.pattern_path))),
          ),
        ),
      ),

    block: ($) => seq('{', repeat(seq($.attribute, optional(';'))), '}'),

    attribute: ($) => seq(field('name', $.identifier), field('value', $._value)),

    _value: ($) =>
      choice(
        $.boolean,
        $.date,
        $.number,
        $.string,
        $.triple_string,
        $.list,
        $.block,
        $.reference,
      ),

    list: ($) => seq('[', optional(commaSeparated($._value)), ']'),

    // a word, a.b, a -> b, RULE@a, RULE@a.b->c, STRIDE-T-*@api
    reference: ($) =>
      seq(
        $.pattern_path,
        optional(seq('@', $.pattern_path)),
        optional(seq($.arrow, $.pattern_path)),
      ),

    path: ($) => seq($.identifier, repeat(seq('.', $.identifier))),

    pattern_path: ($) => seq($._word, repeat(seq('.', $._word))),

    _word: ($) => choice($.identifier, $.pattern),

    _label: ($) => choice($.string, $.triple_string),

    arrow: (_) => choice('->', '<->'),

    boolean: (_) => choice('true', 'false'),

    // A '-' belongs to an identifier only before a letter or a digit:
    // "TB-03" is one identifier, "api->db" three tokens.
    identifier: (_) => /[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9][A-Za-z0-9_]*)*/,

    // A word in which '*' stands for any run of characters: STRIDE-T-*,
    // legacy_*, *. Below identifier, so a word without '*' is an identifier.
    pattern: (_) => token(prec(-1, /[A-Za-z_*][A-Za-z0-9_*]*(-[A-Za-z0-9*][A-Za-z0-9_*]*)*/)),

    date: (_) => /[0-9]{4}-[0-9]{2}-[0-9]{2}/,

    number: (_) => /[0-9]+(\.[0-9]+)?/,

    string: (_) => /"([^"\\\n\x00-\x08\x0a-\x1f\x7f]|\\["\\nt]|\\u\{[0-9A-Fa-f]{1,6}\})*"/,

    // The first run of three or more quotes ends it; its last three close.
    triple_string: (_) => /"""([^"]|"[^"]|""[^"])*"""+/,

    comment: (_) => token(seq('#', /.*/)),
  },
});
