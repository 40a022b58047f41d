/* The `threat new` templates, compiled in so an installed binary needs no
 * data files. */
#ifndef TM_TEMPLATE_TEMPLATE_H
#define TM_TEMPLATE_TEMPLATE_H

#include <stdint.h>

#include "base/buf.h"

/* Writes the named template as a .threat model that checks cleanly, its
 * `date` set to today and `next_review` to today + 3 months. Returns TM_OK,
 * or TM_ERR_USAGE for a name not in tm_template_names. */
int tm_template_write(tm_buf *out, const char *name, int32_t today);
extern const char *const tm_template_names[]; /* NULL-terminated */

#endif
