/* Writers for `threat rules`: the table of every loaded rule, the same as
 * a Markdown reference (doc/rules-reference.md is generated with it), and
 * the explanation of one rule. */
#ifndef TM_RENDER_RULES_TEXT_H
#define TM_RENDER_RULES_TEXT_H

#include "base/buf.h"
#include "rules/rules.h"

void tm_render_rules_table(tm_buf *out, const tm_rules *rules);
void tm_render_rules_markdown(tm_buf *out, const tm_rules *rules);
void tm_render_rule_explain(tm_buf *out, const tm_rule_info *info);

/* `threat rules --attributes`: the attribute vocabulary, as text (an entry
 * a line or two) or as a Markdown table (doc/attributes.md). */
struct tm_vocab;
void tm_render_vocab_text(tm_buf *out, const struct tm_vocab *vocab);
void tm_render_vocab_markdown(tm_buf *out, const struct tm_vocab *vocab);

#endif
