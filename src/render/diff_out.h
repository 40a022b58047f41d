/* Writers for `threat diff`: text for a terminal or a PR comment, JSON for
 * tools. */
#ifndef TM_RENDER_DIFF_OUT_H
#define TM_RENDER_DIFF_OUT_H

#include "base/buf.h"
#include "diff/diff.h"
#include "render/render.h"

void tm_render_diff_text(tm_buf *out, const tm_diff *diff, const tm_render_options *opts);
void tm_render_diff_json(tm_buf *out, const tm_diff *diff);

#endif
