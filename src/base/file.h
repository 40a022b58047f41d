/* Writing files safely: every byte or an error, and replacing a file so
 * that a reader (or a crash) sees the old content or the new, never half. */
#ifndef TM_BASE_FILE_H
#define TM_BASE_FILE_H

#include <stddef.h>

/* Writes all of data to fd, retrying after interruptions. Returns 0, or -1
 * with errno set. */
int tm_file_write_all(int fd, const void *data, size_t len);

/* Replaces path's content with data through a temporary file beside it,
 * fsync and rename. An existing file keeps its permission bits, a symbolic
 * link is followed (the link stays a link), and a file the user may not
 * write is refused; a new file gets the usual 0666 less the umask. On any
 * failure the original is untouched, the temporary removed, and -1
 * returned with "what failed: reason" in why. */
int tm_file_write_atomic(const char *path, const char *data, size_t len, char *why, size_t why_size);

#endif
