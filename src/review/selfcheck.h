/* `threat check --self-check`: the seed's SELF_CHECK list (shared/seed,
 * "BEFORE_COMPLETING_THREAT_MODEL") with each item answered from the model,
 * its findings and the packs that ran. */
#ifndef TM_REVIEW_SELFCHECK_H
#define TM_REVIEW_SELFCHECK_H

#include <stdbool.h>

#include "base/buf.h"
#include "session/session.h"

/* Appends one line per item: `[x] ITEM — why` when met, `[ ] ITEM — what is
 * missing` when not, `[?] ITEM — ...` for what only a person can check (it
 * never fails), then a summary line. *all_met is false while an item is
 * unmet (the caller exits 1), and when the session has no usable model.
 * session->options.today is "today" (next review, expired acceptances). */
void tm_review_selfcheck(tm_buf *out, const tm_session *session, bool color, bool *all_met);

#endif
