/* `threat lsp`: a Language Server Protocol server over a pair of file
 * descriptors (standard input and output), built on the same lexer,
 * parser, resolver, vocabulary and rule packs as `threat check`
 * (doc/editors.md "The language server"). */
#ifndef TM_LSP_LSP_H
#define TM_LSP_LSP_H

#include "session/session.h"

typedef struct tm_lsp_options {
	/* today, strict and the include roots apply to every document; the
	 * server sets no_rules, reader and the rest itself */
	tm_session_options session;
	int input, output; /* file descriptors: JSON-RPC in, JSON-RPC out */
} tm_lsp_options;

/* Serves until the client sends `exit` or closes the input. Returns the
 * exit status the protocol asks for: 0 after `shutdown` then `exit`, 1 when
 * the input ends or `exit` comes without `shutdown`, or when the output
 * can no longer be written. Logs go to standard error only. */
int tm_lsp_serve(const tm_lsp_options *options);

#endif
