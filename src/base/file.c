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

/* Creates a new file "TARGET.tmp-PID-N" beside target with the given
 * permission bits (less the umask, applied by the kernel), trying a few N
 * when a name is taken. Returns its descriptor and its name in *tmp (to be
 * freed), or -1 with errno set. */
static int create_beside(const char *target, mode_t mode, char **tmp)
{
	size_t size = strlen(target) + 64;
	char *name = tm_xmalloc(size);
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		snprintf(name, size, "%s.tmp-%ld-%u", target, (long)getpid(), attempt);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd >= 0) {
			*tmp = name;
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	int err = errno;
	free(name);
	errno = err;
	return -1;
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
	if (exists && access(target, W_OK) != 0) {
		/* The rename below would replace a read-only file too: refuse, as
		 * writing it in place would. */
		err = errno;
		what = "cannot write it";
		goto out;
	}
	fd = create_beside(target, exists ? (st.st_mode & 07777) : 0666, &tmp);
	if (fd < 0) {
		err = errno;
		what = "cannot create a temporary file beside it";
		goto out;
	}
	if (tm_file_write_all(fd, data, len) != 0) {
		err = errno;
		what = "cannot write the new text";
		goto out;
	}
	/* A new file keeps what the kernel gave it (0666 less the umask); an
	 * existing one gets its own bits back, which the umask may have cut. */
	if (exists && fchmod(fd, st.st_mode & 07777) != 0) {
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
