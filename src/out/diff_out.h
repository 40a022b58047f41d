/* Writers for `threat diff`: text for a terminal or a PR comment, JSON for
 * tools. */
#ifndef TM_OUT_DIFF_OUT_H
#define TM_OUT_DIFF_OUT_H

#include "base/buf.h"
#include "diff/diff.h"
#include "out/out.h"

void tm_out_diff_text(tm_buf *out, const tm_diff *diff, const tm_out_options *opts);
void tm_out_diff_json(tm_buf *out, const tm_diff *diff);

#endif
