/* Unit tests for src/lsp/transport.c: the base protocol's framing, read
 * from a pipe: messages back to back, headers in any case and order, and
 * the broken frames that are skipped (no Content-Length, one that is no
 * number, one over the limit, a header line too long, the input ending
 * inside a message); and the frames tm_lsp_write makes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/limits.h"
#include "lsp/transport.h"

/* An input reading `bytes` from a pipe that is then closed. */
static tm_lsp_input input_of(const char *bytes, size_t len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_true(len < 60000); /* fits the pipe without a reader */
	assert_int_equal(write(fds[1], bytes, len), (ssize_t)len);
	close(fds[1]);
	tm_lsp_input in;
	tm_lsp_input_init(&in, fds[0]);
	return in;
}

static void close_input(tm_lsp_input *in)
{
	close(in->fd);
	tm_lsp_input_free(in);
}

static void expect_message(tm_lsp_input *in, const char *want)
{
	char *body = NULL, why[200] = "";
	size_t len = 0;
	assert_int_equal(tm_lsp_read(in, &body, &len, why, sizeof why), TM_LSP_READ_MESSAGE);
	assert_int_equal(len, strlen(want));
	assert_string_equal(body, want);
	free(body);
}

static void expect_bad(tm_lsp_input *in, const char *why_want)
{
	char *body = NULL, why[200] = "";
	size_t len = 0;
	assert_int_equal(tm_lsp_read(in, &body, &len, why, sizeof why), TM_LSP_READ_BAD);
	assert_null(body);
	assert_string_equal(why, why_want);
}

static void expect_eof(tm_lsp_input *in)
{
	char *body = NULL, why[200] = "";
	size_t len = 0;
	assert_int_equal(tm_lsp_read(in, &body, &len, why, sizeof why), TM_LSP_READ_EOF);
	assert_null(body);
}

#define INPUT(text) input_of(text, sizeof(text) - 1)

static void test_messages_back_to_back(void **state)
{
	(void)state;
	tm_lsp_input in = INPUT("Content-Length: 2\r\n\r\n{}"
	                        "content-length:7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1,2,3]"
	                        "\r\n"
	                        "Content-Length: 4\n\nnull");
	expect_message(&in, "{}");
	expect_message(&in, "[1,2,3]");
	expect_message(&in, "null");
	expect_eof(&in);
	close_input(&in);
}

static void test_broken_frames_are_skipped(void **state)
{
	(void)state;
	tm_lsp_input in = INPUT("Content-Type: x\r\n\r\n"
	                        "Content-Length: 12a\r\n\r\n"
	                        "Content-Length: 1\r\n\r\n1");
	expect_bad(&in, "a message has no Content-Length header");
	expect_bad(&in, "the Content-Length header is not a number");
	expect_message(&in, "1");
	expect_eof(&in);
	close_input(&in);
}

static void test_over_the_limit(void **state)
{
	(void)state;
	tm_lsp_input in = INPUT("Content-Length: 99999999999999999999999\r\n\r\n{}");
	expect_bad(&in, "a message of 18446744073709551615 bytes is over the limit of 167772160; skipped");
	expect_eof(&in);
	close_input(&in);
}

static void test_long_header_line(void **state)
{
	(void)state;
	char text[TM_LSP_MAX_HEADER_BYTES + 100];
	memset(text, 'x', TM_LSP_MAX_HEADER_BYTES + 10);
	strcpy(text + TM_LSP_MAX_HEADER_BYTES + 10, "\r\n\r\nContent-Length: 2\r\n\r\nok");
	tm_lsp_input in = input_of(text, strlen(text));
	expect_bad(&in, "a header line is longer than 4096 bytes");
	expect_message(&in, "ok");
	expect_eof(&in);
	close_input(&in);
}

static void test_input_ends_inside(void **state)
{
	(void)state;
	tm_lsp_input in = INPUT("Content-Length: 10\r\n\r\n{\"a\"");
	expect_bad(&in, "the input ended inside a message of 10 bytes");
	expect_eof(&in);
	close_input(&in);
	tm_lsp_input header = INPUT("Content-Length: 10\r\n");
	expect_bad(&header, "the input ended inside a message header");
	expect_eof(&header);
	close_input(&header);
}

static void test_write(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	json_t *message = json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", 1, "result", "é");
	assert_true(tm_lsp_write(fds[1], message));
	json_decref(message);
	close(fds[1]);
	char got[200] = "";
	ssize_t n = read(fds[0], got, sizeof got - 1);
	close(fds[0]);
	assert_true(n > 0);
	assert_string_equal(got, "Content-Length: 38\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"é\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_messages_back_to_back), cmocka_unit_test(test_broken_frames_are_skipped),
	    cmocka_unit_test(test_over_the_limit),        cmocka_unit_test(test_long_header_line),
	    cmocka_unit_test(test_input_ends_inside),     cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
