/* Model files at a git revision, for `threat diff REV -- FILE`: each file
 * is read from git's object store (`git ls-tree`, then `git cat-file
 * blob`), so nothing is written to the work tree or anywhere else. Git is
 * run without a shell, its arguments each a word, the revision first
 * resolved to a commit id. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/xalloc.h"
#include "cli/cli.h"

/* Runs git with argv (argv[0] is "git") and takes at most `max` bytes of
 * its standard output into out; its standard error is dropped. Returns
 * git's exit status, -1 when it could not run, -2 when the output was
 * longer than max. */
static int run_git(const char *const *argv, tm_buf *out, size_t max)
{
	int pipe_fds[2];
	if (pipe(pipe_fds) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		dup2(pipe_fds[1], STDOUT_FILENO);
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		execvp("git", (char *const *)argv);
		_exit(127);
	}
	close(pipe_fds[1]);
	bool too_long = false;
	char chunk[8192];
	for (;;) {
		ssize_t n = read(pipe_fds[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > max) {
			too_long = true;
			kill(pid, SIGTERM);
			break;
		}
		tm_buf_put(out, chunk, (size_t)n);
	}
	close(pipe_fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (too_long)
		return -2;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
		return -1;
	return WEXITSTATUS(status);
}

/* Output of a git command that prints one line, without its newline
 * (malloc'd), or NULL when it failed. */
static char *git_line(const char *const *argv)
{
	tm_buf out = TM_BUF_INIT;
	if (run_git(argv, &out, 4096) != 0 || out.len == 0) {
		tm_buf_free(&out);
		return NULL;
	}
	char *line = tm_buf_detach(&out);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* Reads the file at `abs` (absolute, with no "." or ".." left) at the
 * commit. */
static bool read_at_revision(void *context, const char *abs, char **text, size_t *len, char *why,
                             size_t why_size)
{
	const tm_cli_revision *rev = context;
	size_t top = strlen(rev->toplevel);
	if (strncmp(abs, rev->toplevel, top) != 0 || abs[top] != '/' || !abs[top + 1]) {
		snprintf(why, why_size, "it is outside the git work tree %s", rev->toplevel);
		return false;
	}
	const char *relative = abs + top + 1;
	const char *list[] = {"git", "ls-tree", "-z", "--full-tree", rev->commit, "--", relative, NULL};
	tm_buf entry = TM_BUF_INIT;
	int status = run_git(list, &entry, 4096);
	/* "<mode> <type> <object>\t<path>\0", for exactly that path */
	const char *tab = status == 0 ? memchr(tm_buf_str(&entry), '\t', entry.len) : NULL;
	bool ok = false;
	if (!tab || strcmp(tab + 1, relative) != 0) {
		snprintf(why, why_size, "it does not exist at %s", rev->name);
	} else if (strncmp(tm_buf_str(&entry), "100644 blob ", 12) != 0 &&
	           strncmp(tm_buf_str(&entry), "100755 blob ", 12) != 0) {
		snprintf(why, why_size, "it is not a regular file at %s (a link, a folder or a submodule)",
		         rev->name);
	} else {
		char *object = tm_xstrndup(tm_buf_str(&entry) + 12, (size_t)(tab - tm_buf_str(&entry)) - 12);
		const char *cat[] = {"git", "cat-file", "blob", object, NULL};
		tm_buf blob = TM_BUF_INIT;
		status = run_git(cat, &blob, TM_SOURCE_MAX_BYTES);
		if (status == -2) {
			snprintf(why, why_size, "it is larger than %zu MiB at %s",
			         TM_SOURCE_MAX_BYTES / (1024 * 1024), rev->name);
		} else if (status != 0) {
			snprintf(why, why_size, "git could not read it at %s", rev->name);
		} else {
			*len = blob.len;
			*text = tm_buf_detach(&blob);
			ok = true;
		}
		tm_buf_free(&blob);
		free(object);
	}
	tm_buf_free(&entry);
	return ok;
}

bool tm_cli_revision_open(tm_cli_revision *out, const char *name)
{
	memset(out, 0, sizeof(*out));
	if (name[0] == '-' || name[0] == '\0') {
		tm_cli_usage_error("'%s' is not a git revision", name);
		return false;
	}
	const char *top[] = {"git", "rev-parse", "--show-toplevel", NULL};
	out->toplevel = git_line(top);
	char *here = realpath(".", NULL);
	if (!out->toplevel || !here) {
		tm_cli_usage_error("diff reads revision '%s' with git, and the current folder is not in a "
		                   "git work tree",
		                   name);
		free(here);
		tm_cli_revision_close(out);
		return false;
	}
	tm_buf spec = TM_BUF_INIT;
	tm_buf_printf(&spec, "%s^{commit}", name);
	const char *verify[] = {
	    "git", "rev-parse", "--verify", "--quiet", "--end-of-options", tm_buf_str(&spec), NULL};
	out->commit = git_line(verify);
	tm_buf_free(&spec);
	if (!out->commit) {
		tm_cli_usage_error("no commit '%s' in this git repository", name);
		free(here);
		tm_cli_revision_close(out);
		return false;
	}
	out->name = tm_xstrdup(name);
	out->reader = (tm_file_reader){.read = read_at_revision, .context = out, .cwd = here};
	return true;
}

void tm_cli_revision_close(tm_cli_revision *rev)
{
	free(rev->commit);
	free(rev->name);
	free(rev->toplevel);
	free((char *)rev->reader.cwd);
	memset(rev, 0, sizeof(*rev));
}
