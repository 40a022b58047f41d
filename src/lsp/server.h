/* Internal to src/lsp: the server's state, its open documents, and what
 * the request handlers of features.c share with the loop in server.c. */
#ifndef TM_LSP_SERVER_H
#define TM_LSP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lsp/lsp.h"
#include "model/vocab.h"
#include "session/session.h"

/* A did-you-mean suggestion of a published diagnostic: the code action
 * that applies it replaces the diagnostic's range with `replacement`. */
typedef struct tm_lsp_fix {
	json_t *diagnostic; /* the diagnostic as published (a reference) */
	json_t *range;      /* its range (a reference) */
	char *replacement;
} tm_lsp_fix;

typedef struct tm_lsp_document {
	char *uri;
	char *path; /* absolute: what includes start from and diagnostics name */
	char *text; /* NUL-terminated */
	size_t len;
	int64_t version;
	/* The latest analysis of `text`: with the rule packs once they ran on
	 * this text, else syntax, references and the vocabulary only. */
	tm_session *current;
	/* The latest analysis with the rule packs (maybe of an older text):
	 * its packs' vocabulary checks the quick analyses, and its model
	 * answers completion while `current` has syntax errors. */
	tm_session *checked;
	bool quick_due;    /* changed since it was last analysed */
	bool rules_due;    /* the packs are to run on this text */
	double rules_at;   /* when (tm_clock_seconds) */
	double changed_at; /* when the last change arrived, for the timing log */
	tm_lsp_fix *fixes;
	size_t nfixes, capfixes;
} tm_lsp_document;

typedef struct tm_lsp_server {
	tm_lsp_options options;
	char *cwd;       /* absolute: the folder the server runs in */
	char **roots;    /* real paths of the folders includes may read from, besides a document's own */
	size_t nroots;   /* (the current folder and the include roots) */
	tm_vocab *vocab; /* the language's own vocabulary, before any pack ran */
	tm_file_reader reader;
	const tm_lsp_document *reading; /* the document being analysed */
	tm_lsp_document **documents;
	size_t ndocuments, capdocuments;
	bool initialized, shutdown, utf8;
	bool output_failed; /* a write failed: the client is gone */
	int finding_level;  /* a tm_risk: findings at or above it are diagnostics; -1 none */
	bool timing;        /* log the time from a change to its diagnostics */
} tm_lsp_server;

/* ---- server.c ---- */

/* The document a request names (params.textDocument.uri), or NULL. */
tm_lsp_document *tm_lsp_document_of(tm_lsp_server *server, const json_t *params);
/* The vocabulary for a document: its packs' once they ran, else the
 * language's. */
const tm_vocab *tm_lsp_vocab(const tm_lsp_server *server, const tm_lsp_document *doc);
/* A JSON string of text; invalid UTF-8 becomes U+FFFD. */
json_t *tm_lsp_string(const char *text);
json_t *tm_lsp_stringn(const char *text, size_t len);
/* A position or range of the source's bytes in the negotiated encoding
 * (UTF-16 code units, or bytes when the client takes UTF-8). */
json_t *tm_lsp_position(const tm_lsp_server *server, const char *text, size_t len, uint32_t offset);
json_t *tm_lsp_range(const tm_lsp_server *server, const char *text, size_t len, uint32_t start, uint32_t end);
/* The same for a span of a source, by its line table (no scan from the
 * start of the text). */
json_t *tm_lsp_span_range(const tm_lsp_server *server, tm_span span);
/* The byte offset of params.position in text; false when it is missing. */
bool tm_lsp_offset(const tm_lsp_server *server, const json_t *params, const char *text, size_t len,
                   uint32_t *offset);
/* file:// URIs and absolute paths (malloc'd). */
char *tm_lsp_uri_of_path(const char *path);
/* A Location {uri, range} for a span of a source. */
json_t *tm_lsp_location(const tm_lsp_server *server, tm_span span);

/* ---- features.c: the requests; each returns the result (NULL: null),
 * or sets *error_code and *error_message for a ResponseError ---- */

json_t *tm_lsp_completion(tm_lsp_server *server, const json_t *params, int *error_code,
                          const char **error_message);
json_t *tm_lsp_hover(tm_lsp_server *server, const json_t *params, int *error_code,
                     const char **error_message);
json_t *tm_lsp_definition(tm_lsp_server *server, const json_t *params, int *error_code,
                          const char **error_message);
json_t *tm_lsp_references(tm_lsp_server *server, const json_t *params, int *error_code,
                          const char **error_message);
json_t *tm_lsp_document_symbols(tm_lsp_server *server, const json_t *params, int *error_code,
                                const char **error_message);

#endif
