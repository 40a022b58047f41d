/* SVG through Graphviz. We run `dot -Tsvg` as a child process rather than
 * link libgvc: the library then needs no Graphviz to build or to run
 * `check`, a Graphviz crash or its stderr chatter cannot touch our process,
 * and only `dfd --format svg` and `report --format html` need Graphviz
 * installed (doc/report.md). The DOT goes through a temporary file, so
 * there is only one pipe to read and no deadlock. */
#include "base/clock.h"
#include "base/file.h"
#include "render/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <spawn.h>
#include <signal.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "threat/status.h"

extern char **environ;

/* dot's messages are capped: a broken graph can print one per edge. */
#define MAX_ERROR_BYTES 4000

static int make_temp(char *path, size_t size, const char *what)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int n = snprintf(path, size, "%s/threat-%s-XXXXXX", dir, what);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkstemp(path);
}

static void read_all(int fd, tm_buf *out, size_t max)
{
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n;
		if (max && out->len + take > max)
			take = out->len < max ? max - out->len : 0;
		if (take)
			tm_buf_put(out, chunk, take);
	}
}

/* Reads Graphviz's output until it ends or the deadline passes: on a dense
 * model `dot` can lay out for many minutes. False when time ran out. */
static bool read_until(int fd, tm_buf *out, double seconds)
{
	double deadline = tm_clock_seconds() + seconds;
	char chunk[65536];
	for (;;) {
		double left = deadline - tm_clock_seconds();
		if (left <= 0)
			return false;
		struct pollfd wait_for = {.fd = fd, .events = POLLIN};
		int ready = poll(&wait_for, 1, (int)(left * 1000) + 1);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return ready == 0 ? false : true;
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		tm_buf_put(out, chunk, (size_t)n);
	}
}

/* Seconds Graphviz may take: $THREAT_DOT_TIMEOUT, else a minute. */
static double dot_timeout(void)
{
	const char *text = getenv("THREAT_DOT_TIMEOUT");
	double seconds = text && *text ? strtod(text, NULL) : 0;
	return seconds > 0 ? seconds : 60;
}

int tm_render_svg(tm_buf *svg, const char *dot, size_t len, tm_buf *errors)
{
	const char *program = getenv("THREAT_DOT");
	if (!program || !*program)
		program = "dot";
	char in_path[4096], err_path[4096];
	int in_fd = -1, err_fd = -1, pipe_fds[2] = {-1, -1};
	int status = TM_ERR_IO;
	bool have_in = false, have_err = false, have_actions = false;
	posix_spawn_file_actions_t actions;

	in_fd = make_temp(in_path, sizeof in_path, "dfd");
	if (in_fd < 0) {
		tm_buf_printf(errors, "cannot create a temporary file for Graphviz: %s\n", strerror(errno));
		goto out;
	}
	have_in = true;
	if (tm_file_write_all(in_fd, dot, len) != 0) {
		tm_buf_printf(errors, "cannot write %s: %s\n", in_path, strerror(errno));
		goto out;
	}
	err_fd = make_temp(err_path, sizeof err_path, "dot-err");
	if (err_fd < 0) {
		tm_buf_printf(errors, "cannot create a temporary file for Graphviz: %s\n", strerror(errno));
		goto out;
	}
	have_err = true;
	if (pipe(pipe_fds) != 0) {
		tm_buf_printf(errors, "cannot make a pipe for Graphviz: %s\n", strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&actions) != 0)
		goto out;
	have_actions = true;
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
	posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
	posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
	posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
	posix_spawn_file_actions_addclose(&actions, err_fd);
	posix_spawn_file_actions_addclose(&actions, in_fd);
	char *argv[] = {(char *)program, (char *)"-Tsvg", in_path, NULL};
	pid_t pid;
	int spawned = posix_spawnp(&pid, program, &actions, NULL, argv, environ);
	close(pipe_fds[1]);
	pipe_fds[1] = -1;
	if (spawned != 0) {
		tm_buf_printf(errors, "cannot run Graphviz '%s': %s (install graphviz, or set THREAT_DOT)\n",
		              program, strerror(spawned));
		goto out;
	}
	size_t before = svg->len;
	double seconds = dot_timeout();
	bool finished = read_until(pipe_fds[0], svg, seconds);
	if (!finished)
		kill(pid, SIGKILL);
	int wait_status = 0;
	while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR)
		;
	if (!finished) {
		tm_buf_printf(errors,
		              "Graphviz '%s' took longer than %g s to lay out the diagram and was stopped "
		              "(set THREAT_DOT_TIMEOUT for more time)\n",
		              program, seconds);
		svg->len = before;
		if (svg->data)
			svg->data[before] = '\0';
		goto out;
	}
	tm_buf dot_errors = TM_BUF_INIT;
	if (lseek(err_fd, 0, SEEK_SET) == 0)
		read_all(err_fd, &dot_errors, MAX_ERROR_BYTES);
	if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
		status = TM_OK;
	} else {
		if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 127)
			tm_buf_printf(errors,
			              "cannot run Graphviz '%s' (install graphviz, or set THREAT_DOT)\n",
			              program);
		else if (WIFSIGNALED(wait_status))
			tm_buf_printf(errors, "Graphviz '%s' was killed by signal %d\n", program,
			              WTERMSIG(wait_status));
		else
			tm_buf_printf(errors, "Graphviz '%s' failed with exit status %d\n", program,
			              WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
		/* half an SVG is worse than none */
		svg->len = before;
		if (svg->data)
			svg->data[before] = '\0';
	}
	if (dot_errors.len)
		tm_buf_put(errors, dot_errors.data, dot_errors.len);
	tm_buf_free(&dot_errors);
out:
	if (have_actions)
		posix_spawn_file_actions_destroy(&actions);
	for (int i = 0; i < 2; i++)
		if (pipe_fds[i] >= 0)
			close(pipe_fds[i]);
	if (in_fd >= 0)
		close(in_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (have_in)
		unlink(in_path);
	if (have_err)
		unlink(err_path);
	return status;
}
