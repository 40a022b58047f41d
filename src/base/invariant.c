#include "base/invariant.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef TM_DEBUG
void tm_assert_failed(const char *condition, const char *file, int line)
{
	fprintf(stderr, "threat: internal error: %s:%d: assertion '%s' failed\n", file, line, condition);
	abort();
}
#endif
