/* How the CLI writes to the terminal: the --color choice, and a pager for
 * answers longer than the screen. The choice is the client's state (the
 * library takes colour as an argument of each writer). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "cli/cli.h"
#include "render/term.h"

/* The pager when $PAGER is unset: quit at once when the text fits (-F),
 * pass colours through (-R), leave the text on the screen (-X). */
#define DEFAULT_PAGER "less -FRX"

static tm_cli_color_mode color_mode = TM_CLI_COLOR_AUTO;

static bool parse_color_mode(const char *text, tm_cli_color_mode *mode)
{
	static const char *const names[] = {"auto", "always", "never"}; /* ORDER COLOR */
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(text, names[i]) == 0) {
			*mode = (tm_cli_color_mode)i;
			return true;
		}
	}
	return false;
}

bool tm_cli_take_color_options(int *argc, char **argv)
{
	int kept = 0;
	for (int i = 0; i < *argc; i++) {
		const char *arg = argv[i];
		tm_cli_color_mode mode;
		if (strcmp(arg, "--color") == 0 || strcmp(arg, "--colour") == 0) {
			/* `--color WHEN`, or a bare --color for always, as GNU ls */
			if (i + 1 < *argc && parse_color_mode(argv[i + 1], &mode))
				i++;
			else
				mode = TM_CLI_COLOR_ALWAYS;
		} else if (strncmp(arg, "--color=", 8) == 0 || strncmp(arg, "--colour=", 9) == 0) {
			const char *value = strchr(arg, '=') + 1;
			if (!parse_color_mode(value, &mode)) {
				tm_cli_usage_error("unknown value '%s' for --color (auto, always, never)",
				                   value);
				return false;
			}
		} else {
			argv[kept++] = argv[i];
			continue;
		}
		color_mode = mode;
	}
	*argc = kept;
	argv[kept] = NULL;
	return true;
}

bool tm_cli_color(FILE *stream)
{
	switch (color_mode) {
	case TM_CLI_COLOR_ALWAYS: return true;
	case TM_CLI_COLOR_NEVER: return false;
	case TM_CLI_COLOR_AUTO: break;
	}
	return tm_term_color(stream);
}

/* Rows of the terminal on standard output; 0 when unknown. */
static size_t terminal_rows(void)
{
	struct winsize size;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0)
		return size.ws_row;
	return 0;
}

static size_t count_lines(const tm_buf *text)
{
	const char *chars = tm_buf_str(text);
	size_t lines = 0;
	for (size_t i = 0; i < text->len; i++)
		lines += chars[i] == '\n';
	return lines;
}

/* Runs the pager with text on its input and waits for it; false when it
 * could not be started (the caller writes the text itself). The pager
 * starts with default signals and no blocked ones (the REPL blocks SIGINT
 * between keys); while it runs, Ctrl-C is the pager's, not ours. */
static bool run_pager(const char *pager, const tm_buf *text)
{
	int fds[2];
	if (pipe(fds) != 0)
		return false;
	fflush(stdout);
	struct sigaction ignore = {0}, old_int, old_pipe;
	ignore.sa_handler = SIG_IGN;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGPIPE, &ignore, &old_pipe);
	pid_t child = fork();
	if (child == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	bool started = child > 0;
	if (started) {
		/* the pager may quit before reading everything: EPIPE is fine */
		tm_file_write_all(fds[1], tm_buf_str(text), text->len);
		close(fds[1]);
		int status;
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	} else {
		close(fds[1]);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return started;
}

void tm_cli_write_paged(const tm_buf *text)
{
	const char *pager = getenv("PAGER");
	if (!pager)
		pager = DEFAULT_PAGER;
	size_t rows = isatty(STDOUT_FILENO) ? terminal_rows() : 0;
	/* PAGER= (empty) or cat turns paging off */
	if (rows && *pager && strcmp(pager, "cat") != 0 && count_lines(text) >= rows &&
	    run_pager(pager, text))
		return;
	tm_cli_write(text);
}

void tm_cli_json_array_item(tm_buf *array, const tm_buf *object, bool first)
{
	tm_buf_puts(array, first ? "  " : ",\n  ");
	const char *text = tm_buf_str(object);
	size_t len = object->len;
	while (len && text[len - 1] == '\n')
		len--;
	/* JSON strings hold no raw newline: each one starts a line to indent */
	for (size_t i = 0; i < len; i++) {
		tm_buf_putc(array, text[i]);
		if (text[i] == '\n')
			tm_buf_puts(array, "  ");
	}
}
