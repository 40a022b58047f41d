/* realpath is POSIX XSI: ask for it whatever flags the build passes. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

int tm_file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Flushes the folder's entry for a renamed file to disk; best effort, as
 * not every file system supports it and the data itself is already safe. */
static void sync_folder(const char *file)
{
	const char *slash = strrchr(file, '/');
	char *folder =
	    slash ? tm_xstrndup(file, slash == file ? 1 : (size_t)(slash - file)) : tm_xstrdup(".");
	int fd = open(folder, O_RDONLY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(folder);
}

int tm_file_write_atomic(const char *path, const char *data, size_t len, char *why, size_t why_size)
{
	int status = -1, fd = -1, err = 0;
	const char *what = NULL;
	char *tmp = NULL;
	/* Follow a symbolic link: renaming over the link itself would replace
	 * it with a plain file. A file that does not exist yet is created. */
	char *real = realpath(path, NULL);
	const char *target = real ? real : path;
	struct stat st;
	bool exists = stat(target, &st) == 0;
	mode_t mode;
	if (exists) {
		/* The rename below would replace a read-only file too: refuse, as
		 * writing it in place would. */
		if (access(target, W_OK) != 0) {
			err = errno;
			what = "cannot write it";
			goto out;
		}
		mode = st.st_mode & 07777;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	size_t n = strlen(target);
	tmp = tm_xmalloc(n + sizeof ".XXXXXX");
	memcpy(tmp, target, n);
	memcpy(tmp + n, ".XXXXXX", sizeof ".XXXXXX");
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		what = "cannot create a temporary file beside it";
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (tm_file_write_all(fd, data, len) != 0) {
		err = errno;
		what = "cannot write the new text";
		goto out;
	}
	if (fchmod(fd, mode) != 0) {
		err = errno;
		what = "cannot set its permissions";
		goto out;
	}
	if (fsync(fd) != 0) {
		err = errno;
		what = "cannot write the new text to disk";
		goto out;
	}
	int closed = close(fd);
	fd = -1;
	if (closed != 0) {
		err = errno;
		what = "cannot write the new text";
		goto out;
	}
	if (rename(tmp, target) != 0) {
		err = errno;
		what = "cannot replace it";
		goto out;
	}
	free(tmp);
	tmp = NULL;
	sync_folder(target);
	status = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (status != 0)
		snprintf(why, why_size, "%s: %s", what, strerror(err));
	free(real);
	return status;
}
