/* The server's loop: the JSON-RPC messages, the lifecycle (initialize,
 * shutdown, exit), the documents and their analysis, diagnostics,
 * formatting and the did-you-mean code actions. The other requests are in
 * features.c. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* realpath */
#endif
#include "lsp/server.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/source.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "lang/fmt.h"
#include "lsp/transport.h"
#include "rules/rules.h"
#include "threat/status.h"

/* JSON-RPC and LSP error codes */
enum {
	ERR_PARSE = -32700,
	ERR_INVALID_REQUEST = -32600,
	ERR_METHOD_NOT_FOUND = -32601,
	ERR_INVALID_PARAMS = -32602,
	ERR_NOT_INITIALIZED = -32002,
	ERR_REQUEST_FAILED = -32803
};

/* LSP's DiagnosticSeverity */
enum { SEVERITY_ERROR = 1, SEVERITY_WARNING = 2, SEVERITY_INFORMATION = 3 };

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("threat lsp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- JSON helpers ---- */

json_t *tm_lsp_stringn(const char *text, size_t len)
{
	json_t *s = json_stringn(text, len);
	if (s)
		return s;
	tm_buf clean = TM_BUF_INIT;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = tm_utf8_next(text + i, len - i, &cp);
		tm_utf8_put(&clean, cp == 0 ? TM_UTF8_REPLACEMENT : cp);
		i += n;
	}
	s = json_stringn(clean.data ? clean.data : "", clean.len);
	tm_buf_free(&clean);
	return s;
}

json_t *tm_lsp_string(const char *text)
{
	return tm_lsp_stringn(text ? text : "", text ? strlen(text) : 0);
}

static const char *member_string(const json_t *object, const char *key)
{
	const json_t *value = json_is_object(object) ? json_object_get(object, key) : NULL;
	return json_is_string(value) ? json_string_value(value) : NULL;
}

/* ---- positions ---- */

/* Code units of text[from, to) on one line in the negotiated encoding. */
static uint32_t units(const tm_lsp_server *server, const char *text, size_t from, size_t to)
{
	if (server->utf8)
		return (uint32_t)(to - from);
	uint32_t count = 0;
	for (size_t i = from; i < to;) {
		uint32_t cp;
		i += tm_utf8_next(text + i, to - i, &cp);
		count += cp > 0xFFFF ? 2 : 1;
	}
	return count;
}

json_t *tm_lsp_position(const tm_lsp_server *server, const char *text, size_t len, uint32_t offset)
{
	if (offset > len)
		offset = (uint32_t)len;
	uint32_t line = 0;
	size_t line_start = 0;
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	}
	return json_pack("{s:i,s:i}", "line", (json_int_t)line, "character",
	                 (json_int_t)units(server, text, line_start, offset));
}

json_t *tm_lsp_range(const tm_lsp_server *server, const char *text, size_t len, uint32_t start, uint32_t end)
{
	if (end < start)
		end = start;
	return json_pack("{s:o,s:o}", "start", tm_lsp_position(server, text, len, start), "end",
	                 tm_lsp_position(server, text, len, end));
}

/* A position in a source, by its line table. */
static json_t *source_position(const tm_lsp_server *server, const tm_source *src, uint32_t offset)
{
	if (offset > src->len)
		offset = (uint32_t)src->len;
	uint32_t low = 0, high = src->nlines ? src->nlines - 1 : 0;
	while (low < high) {
		uint32_t mid = low + (high - low + 1) / 2;
		if (src->line_starts[mid] <= offset)
			low = mid;
		else
			high = mid - 1;
	}
	uint32_t line_start = src->nlines ? src->line_starts[low] : 0;
	return json_pack("{s:i,s:i}", "line", (json_int_t)low, "character",
	                 (json_int_t)units(server, src->text, line_start, offset));
}

json_t *tm_lsp_span_range(const tm_lsp_server *server, tm_span span)
{
	if (!span.src)
		return tm_lsp_range(server, "", 0, 0, 0);
	uint32_t end = span.end < span.start ? span.start : span.end;
	return json_pack("{s:o,s:o}", "start", source_position(server, span.src, span.start), "end",
	                 source_position(server, span.src, end));
}

/* The byte offset of an LSP position (clamped to its line's end). */
static bool offset_of(const tm_lsp_server *server, const json_t *position, const char *text, size_t len,
                      uint32_t *offset)
{
	const json_t *jl = json_object_get(position, "line"), *jc = json_object_get(position, "character");
	if (!json_is_integer(jl) || !json_is_integer(jc) || json_integer_value(jl) < 0 ||
	    json_integer_value(jc) < 0)
		return false;
	json_int_t line = json_integer_value(jl), character = json_integer_value(jc);
	size_t i = 0;
	for (json_int_t l = 0; l < line && i < len; i++)
		if (text[i] == '\n')
			l++;
	json_int_t count = 0;
	while (i < len && text[i] != '\n' && count < character) {
		uint32_t cp;
		size_t n = tm_utf8_next(text + i, len - i, &cp);
		count += server->utf8 ? (json_int_t)n : (cp > 0xFFFF ? 2 : 1);
		if (count > character)
			break;
		i += n;
	}
	*offset = (uint32_t)i;
	return true;
}

bool tm_lsp_offset(const tm_lsp_server *server, const json_t *params, const char *text, size_t len,
                   uint32_t *offset)
{
	const json_t *position = json_object_get(params, "position");
	return json_is_object(position) && offset_of(server, position, text, len, offset);
}

/* ---- URIs ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The absolute path of a file:// URI (malloc'd), or NULL for another
 * scheme or a path that is not one (a NUL, a relative path). */
static char *path_of_uri(const char *uri)
{
	static const char scheme[] = "file://";
	if (strncmp(uri, scheme, sizeof scheme - 1) != 0)
		return NULL;
	const char *p = uri + sizeof scheme - 1;
	if (strncmp(p, "localhost/", 10) == 0)
		p += 9;
	if (*p != '/')
		return NULL;
	tm_buf path = TM_BUF_INIT;
	for (; *p && *p != '?' && *p != '#'; p++) {
		if (*p == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
			char c = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));
			if (c == '\0') {
				tm_buf_free(&path);
				return NULL;
			}
			tm_buf_putc(&path, c);
			p += 2;
		} else {
			tm_buf_putc(&path, *p);
		}
	}
	return tm_buf_detach(&path);
}

char *tm_lsp_uri_of_path(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	tm_buf uri = TM_BUF_INIT;
	tm_buf_puts(&uri, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("/-._~", *p))
			tm_buf_putc(&uri, (char)*p);
		else
			tm_buf_printf(&uri, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return tm_buf_detach(&uri);
}

json_t *tm_lsp_location(const tm_lsp_server *server, tm_span span)
{
	if (!span.src || !span.src->path)
		return NULL;
	char *uri = NULL;
	for (size_t i = 0; i < server->ndocuments && !uri; i++)
		if (strcmp(server->documents[i]->path, span.src->path) == 0)
			uri = tm_xstrdup(server->documents[i]->uri);
	if (!uri)
		uri = tm_lsp_uri_of_path(span.src->path);
	json_t *location =
	    json_pack("{s:o,s:o}", "uri", tm_lsp_string(uri), "range", tm_lsp_span_range(server, span));
	free(uri);
	return location;
}

/* ---- reading the files of a model ---- */

static bool inside(const char *real, const char *root)
{
	size_t n = strlen(root);
	return strncmp(real, root, n) == 0 && (real[n] == '/' || (n == 1 && root[0] == '/'));
}

/* The loader's reader: an open document's text as the editor holds it,
 * else the file on disk. The loader has checked the include policy by
 * the path's text; the disk read checks it again with every link
 * resolved, as `threat check` does, and takes only a regular file. */
static bool read_model_file(void *context, const char *absolute_path, char **text, size_t *len, char *why,
                            size_t why_size)
{
	const tm_lsp_server *server = context;
	for (size_t i = 0; i < server->ndocuments; i++) {
		const tm_lsp_document *doc = server->documents[i];
		if (strcmp(doc->path, absolute_path) == 0) {
			if (doc->len > TM_SOURCE_MAX_BYTES) {
				snprintf(why, why_size, "is larger than the %zu MiB limit for a model file",
				         TM_SOURCE_MAX_BYTES >> 20);
				return false;
			}
			*text = tm_xstrndup(doc->text, doc->len);
			*len = doc->len;
			return true;
		}
	}
	char *real = realpath(absolute_path, NULL);
	if (!real) {
		snprintf(why, why_size, "cannot open: %s", strerror(errno));
		return false;
	}
	bool allowed = false;
	if (server->reading) {
		char *folder = tm_xstrdup(server->reading->path);
		char *slash = strrchr(folder, '/');
		if (slash)
			*(slash == folder ? slash + 1 : slash) = '\0';
		char *real_folder = realpath(folder, NULL);
		allowed = real_folder && inside(real, real_folder);
		free(real_folder);
		free(folder);
	}
	for (size_t i = 0; i < server->nroots && !allowed; i++)
		allowed = inside(real, server->roots[i]);
	size_t n = strlen(real);
	if (n <= strlen(".threat") || strcmp(real + n - strlen(".threat"), ".threat") != 0) {
		snprintf(why, why_size, "only .threat files can be included");
		free(real);
		return false;
	}
	if (!allowed) {
		snprintf(why, why_size,
		         "it is outside the folder of the model and the current folder "
		         "(--include-root DIR allows another)");
		free(real);
		return false;
	}
	tm_arena *arena = tm_arena_new();
	tm_source *src = tm_source_read_regular(arena, real, absolute_path, why, why_size);
	free(real);
	if (src) {
		*text = tm_xstrndup(src->text, src->len);
		*len = src->len;
	}
	tm_arena_free(arena);
	return src != NULL;
}

/* ---- documents ---- */

tm_lsp_document *tm_lsp_document_of(tm_lsp_server *server, const json_t *params)
{
	const char *uri = member_string(json_object_get(params, "textDocument"), "uri");
	for (size_t i = 0; uri && i < server->ndocuments; i++)
		if (strcmp(server->documents[i]->uri, uri) == 0)
			return server->documents[i];
	return NULL;
}

const tm_vocab *tm_lsp_vocab(const tm_lsp_server *server, const tm_lsp_document *doc)
{
	if (doc && doc->checked && doc->checked->rules)
		return tm_rules_vocab(doc->checked->rules);
	return server->vocab;
}

static void free_fixes(tm_lsp_document *doc)
{
	for (size_t i = 0; i < doc->nfixes; i++) {
		json_decref(doc->fixes[i].diagnostic);
		json_decref(doc->fixes[i].range);
		free(doc->fixes[i].replacement);
	}
	free(doc->fixes);
	doc->fixes = NULL;
	doc->nfixes = doc->capfixes = 0;
}

static void free_document(tm_lsp_document *doc)
{
	if (doc->checked != doc->current)
		tm_session_free(doc->checked);
	tm_session_free(doc->current);
	free_fixes(doc);
	free(doc->uri);
	free(doc->path);
	free(doc->text);
	free(doc);
}

/* ---- diagnostics ---- */

static bool in_document(const tm_lsp_document *doc, const tm_source *src)
{
	return src && src->path && strcmp(src->path, doc->path) == 0;
}

static json_t *document_range(const tm_lsp_server *server, const tm_lsp_document *doc, tm_span span)
{
	if (!in_document(doc, span.src))
		return tm_lsp_range(server, "", 0, 0, 0);
	return tm_lsp_span_range(server, span);
}

/* "FILE:LINE:COL: " for a place in another file. */
static void place_prefix(tm_buf *out, tm_span span)
{
	if (!span.src)
		return;
	uint32_t line, column;
	tm_source_position(span.src, span.start, &line, &column);
	tm_buf_printf(out, "%s:%u:%u: ", span.src->path ? span.src->path : "?", line, column);
}

/* Whether an include's path (as written) names the file at `path`: the
 * path ends with it, once its leading "./" and "../" are dropped. */
static bool include_names(const char *label, const char *path)
{
	while (strncmp(label, "./", 2) == 0 || strncmp(label, "../", 3) == 0)
		label += label[1] == '/' ? 2 : 3;
	size_t n = strlen(label), m = strlen(path);
	return n > 0 && m >= n && strcmp(path + m - n, label) == 0 && (m == n || path[m - n - 1] == '/');
}

/* The `include` of the document through which the model reads `src`
 * (directly or through other files), as the label's place; no place
 * when none is found. */
static tm_span include_of(const tm_model *model, const tm_lsp_document *doc, const tm_source *src,
                          unsigned depth)
{
	for (size_t f = 0; model && depth < MAX_INCLUDE_DEPTH && f < model->nfiles; f++) {
		const tm_file *file = model->files[f];
		if (file->src == src)
			continue;
		for (size_t i = 0; i < file->ndecls; i++) {
			const tm_decl *decl = file->decls[i];
			if (!decl || decl->kind != TM_DECL_INCLUDE || !decl->label ||
			    !include_names(decl->label, src->path))
				continue;
			if (in_document(doc, file->src))
				return tm_decl_label_span(decl);
			return include_of(model, doc, file->src, depth + 1);
		}
	}
	return (tm_span){0};
}

static json_t *diagnostic_json(tm_lsp_server *server, tm_lsp_document *doc, const tm_model *model,
                               const tm_diag *diag)
{
	tm_buf message = TM_BUF_INIT;
	/* a diagnostic of an included file shows on the include that reads it */
	tm_span place = diag->span;
	json_t *related = json_array();
	if (diag->span.src && !in_document(doc, diag->span.src)) {
		place_prefix(&message, diag->span);
		place = include_of(model, doc, diag->span.src, 0);
		json_t *location = tm_lsp_location(server, diag->span);
		if (location)
			json_array_append_new(related, json_pack("{s:o,s:s}", "location", location, "message",
			                                         "the place in the included file"));
	}
	tm_buf_puts(&message, diag->message);
	char suggestion[256] = "";
	for (size_t i = 0; i < diag->nnotes; i++) {
		const tm_note *note = &diag->notes[i];
		if (!suggestion[0])
			tm_note_suggestion(note, suggestion, sizeof suggestion);
		json_t *location = tm_lsp_location(server, note->span);
		if (location) {
			json_array_append_new(related, json_pack("{s:o,s:o}", "location", location, "message",
			                                         tm_lsp_string(note->message)));
		} else {
			tm_buf_puts(&message, "\n");
			tm_buf_puts(&message, note->message);
		}
	}
	json_t *range = document_range(server, doc, place);
	json_t *out = json_pack("{s:O,s:i,s:s,s:o}", "range", range, "severity",
	                        diag->severity == TM_SEV_ERROR ? SEVERITY_ERROR : SEVERITY_WARNING, "source",
	                        "threat", "message", tm_lsp_stringn(tm_buf_str(&message), message.len));
	if (json_array_size(related))
		json_object_set(out, "relatedInformation", related);
	json_decref(related);
	if (suggestion[0] && in_document(doc, diag->span.src)) {
		json_object_set_new(out, "data", json_pack("{s:o}", "suggestion", tm_lsp_string(suggestion)));
		tm_lsp_fix fix = {.diagnostic = json_incref(out),
		                  .range = json_incref(range),
		                  .replacement = tm_xstrdup(suggestion)};
		TM_VEC_PUSH(doc->fixes, doc->nfixes, doc->capfixes, fix);
	}
	json_decref(range);
	tm_buf_free(&message);
	return out;
}

/* An open finding as a diagnostic on its element's name, the rule's id as
 * its code. */
static json_t *finding_json(tm_lsp_server *server, tm_lsp_document *doc, const tm_session *session,
                            const tm_finding *finding)
{
	tm_span span = {0};
	if (finding->element && finding->element->decl) {
		const tm_decl *decl = finding->element->decl;
		span = decl->id ? tm_decl_id_span(decl) : tm_decl_keyword_span(decl);
	} else if (!finding->element && session->model->meta.decl) {
		span = tm_decl_keyword_span(session->model->meta.decl);
	}
	if (span.src && !in_document(doc, span.src))
		return NULL;
	tm_buf message = TM_BUF_INIT;
	tm_buf_printf(&message, "%s %s: %s", tm_risk_names[finding->risk], finding->id,
	              finding->about->title);
	if (finding->detail && *finding->detail)
		tm_buf_printf(&message, " (%s)", finding->detail);
	json_t *out =
	    json_pack("{s:o,s:i,s:s,s:o,s:o}", "range", document_range(server, doc, span), "severity",
	              SEVERITY_INFORMATION, "source", "threat", "code", tm_lsp_string(finding->about->rule),
	              "message", tm_lsp_stringn(tm_buf_str(&message), message.len));
	tm_buf_free(&message);
	return out;
}

/* Writes a message; a write that fails stops the server (the loop looks
 * at output_failed after each message). */
static bool send(tm_lsp_server *server, json_t *message)
{
	bool ok = message && tm_lsp_write(server->options.output, message);
	json_decref(message);
	if (!ok)
		server->output_failed = true;
	return ok;
}

static bool publish(tm_lsp_server *server, tm_lsp_document *doc)
{
	free_fixes(doc);
	const tm_session *session = doc->current;
	json_t *list = json_array();
	const tm_diag **sorted = tm_diags_sorted(&session->diags);
	for (size_t i = 0; i < session->diags.count; i++)
		json_array_append_new(list, diagnostic_json(server, doc, session->model, sorted[i]));
	free(sorted);
	if (session->rules && server->finding_level >= 0) {
		for (size_t i = 0; i < session->findings.count; i++) {
			const tm_finding *f = &session->findings.items[i];
			if ((int)f->risk < server->finding_level ||
			    (f->status != TM_STATUS_OPEN && f->status != TM_STATUS_EXPIRED))
				continue;
			json_t *d = finding_json(server, doc, session, f);
			if (d)
				json_array_append_new(list, d);
		}
	}
	json_t *params = json_pack("{s:o,s:I,s:o}", "uri", tm_lsp_string(doc->uri), "version",
	                           (json_int_t)doc->version, "diagnostics", list);
	bool ok = send(server, json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method",
	                                 "textDocument/publishDiagnostics", "params", params));
	if (server->timing)
		logf_("diagnostics for %s (version %lld, %s) %.1f ms after the change", doc->path,
		      (long long)doc->version,
		      session->rules ? "with the rule packs" : "before the rule packs",
		      (tm_clock_seconds() - doc->changed_at) * 1000.0);
	return ok;
}

/* Analyses the document's text: with the rule packs (the whole pipeline
 * of `threat check`), or without them (syntax, references, and the
 * vocabulary of the packs that ran last), then publishes. */
static bool analyse(tm_lsp_server *server, tm_lsp_document *doc, bool with_rules)
{
	tm_session_options options = server->options.session;
	options.no_rules = !with_rules;
	options.profile_rules = false;
	options.reader = &server->reader;
	const char *paths[1] = {doc->path};
	server->reading = doc;
	tm_session *session = NULL;
	tm_session_open(&session, paths, 1, &options);
	server->reading = NULL;
	if (!with_rules && session->model && !session->model_failed && doc->checked && doc->checked->rules)
		tm_vocab_check(tm_rules_vocab(doc->checked->rules), session->model, &session->diags,
		               options.strict);
	if (doc->current != doc->checked)
		tm_session_free(doc->current);
	doc->current = session;
	if (session->rules) {
		if (doc->checked && doc->checked != session)
			tm_session_free(doc->checked);
		doc->checked = session;
	}
	if (with_rules)
		doc->rules_due = false;
	doc->quick_due = false;
	return publish(server, doc);
}

static void set_text(tm_lsp_document *doc, const char *text, size_t len)
{
	free(doc->text);
	doc->text = tm_xstrndup(text, len);
	doc->len = len;
}

/* ---- handlers ---- */

typedef struct reply {
	json_t *result; /* NULL: null */
	int code;       /* nonzero: an error */
	const char *message;
} reply;

static void did_open(tm_lsp_server *server, const json_t *params)
{
	const json_t *item = json_object_get(params, "textDocument");
	const char *uri = member_string(item, "uri"), *text = member_string(item, "text");
	const json_t *version = json_object_get(item, "version");
	if (!uri || !text) {
		logf_("didOpen without textDocument.uri and text: ignored");
		return;
	}
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (!doc) {
		if (server->ndocuments == TM_LSP_MAX_DOCUMENTS) {
			logf_("more than %d documents open: %s is not analysed", TM_LSP_MAX_DOCUMENTS, uri);
			return;
		}
		doc = tm_xcalloc(1, sizeof(*doc));
		doc->uri = tm_xstrdup(uri);
		doc->path = path_of_uri(uri);
		if (!doc->path) {
			/* an unsaved document: named in the current folder, so its
			 * includes start there */
			tm_buf name = TM_BUF_INIT;
			tm_buf_printf(&name, "%s/", server->cwd);
			const char *colon = strchr(uri, ':');
			for (const char *p = colon ? colon + 1 : uri; *p; p++)
				tm_buf_putc(&name, *p == '/' ? '_' : *p);
			doc->path = tm_buf_detach(&name);
		}
		TM_VEC_PUSH(server->documents, server->ndocuments, server->capdocuments, doc);
	}
	set_text(doc, text, json_string_length(json_object_get(item, "text")));
	doc->version = json_is_integer(version) ? json_integer_value(version) : 0;
	doc->changed_at = tm_clock_seconds();
	/* opening is when the whole check is wanted: the packs run at once */
	analyse(server, doc, true);
}

/* Applies one change: the whole text, or a range replaced. */
static bool apply_change(tm_lsp_server *server, tm_lsp_document *doc, const json_t *change)
{
	const json_t *text = json_object_get(change, "text");
	if (!json_is_string(text))
		return false;
	const json_t *range = json_object_get(change, "range");
	if (!range) {
		set_text(doc, json_string_value(text), json_string_length(text));
		return true;
	}
	uint32_t start, end;
	if (!json_is_object(range) ||
	    !offset_of(server, json_object_get(range, "start"), doc->text, doc->len, &start) ||
	    !offset_of(server, json_object_get(range, "end"), doc->text, doc->len, &end) || end < start)
		return false;
	size_t add = json_string_length(text);
	size_t len = doc->len - (end - start) + add;
	char *next = tm_xmalloc(len + 1);
	memcpy(next, doc->text, start);
	memcpy(next + start, json_string_value(text), add);
	memcpy(next + start + add, doc->text + end, doc->len - end);
	next[len] = '\0';
	free(doc->text);
	doc->text = next;
	doc->len = len;
	return true;
}

/* The other open documents whose models include this one are analysed
 * again, with the packs, when typing pauses. */
static void includers_due(tm_lsp_server *server, const tm_lsp_document *doc)
{
	for (size_t i = 0; i < server->ndocuments; i++) {
		tm_lsp_document *other = server->documents[i];
		const tm_model *model = other->current ? other->current->model : NULL;
		for (size_t f = 1; other != doc && model && f < model->nfiles; f++) {
			if (in_document(doc, model->files[f]->src)) {
				other->rules_due = true;
				other->rules_at = doc->rules_at;
				break;
			}
		}
	}
}

static void did_change(tm_lsp_server *server, const json_t *params)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	const json_t *changes = json_object_get(params, "contentChanges");
	if (!doc || !json_is_array(changes)) {
		logf_("didChange of a document not open, or without contentChanges: ignored");
		return;
	}
	size_t i;
	const json_t *change;
	json_array_foreach(changes, i, change)
	{
		if (!apply_change(server, doc, change)) {
			logf_(
			    "didChange with a change that is no text or whose range is outside the document: "
			    "the rest is ignored");
			break;
		}
	}
	const json_t *version = json_object_get(json_object_get(params, "textDocument"), "version");
	if (json_is_integer(version))
		doc->version = json_integer_value(version);
	doc->changed_at = tm_clock_seconds();
	doc->rules_due = true;
	doc->rules_at = doc->changed_at + TM_LSP_RULES_DELAY_MS / 1000.0;
	includers_due(server, doc);
	/* analysed once the input is quiet, so a burst of changes costs one
	 * analysis, or before a request about the document */
	doc->quick_due = true;
}

static void did_close(tm_lsp_server *server, const json_t *params)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (!doc)
		return;
	/* its diagnostics go with it */
	send(server, json_pack("{s:s,s:s,s:{s:o,s:[]}}", "jsonrpc", "2.0", "method",
	                       "textDocument/publishDiagnostics", "params", "uri", tm_lsp_string(doc->uri),
	                       "diagnostics"));
	for (size_t i = 0; i < server->ndocuments; i++) {
		if (server->documents[i] == doc) {
			memmove(&server->documents[i], &server->documents[i + 1],
			        (server->ndocuments - i - 1) * sizeof(*server->documents));
			server->ndocuments--;
			break;
		}
	}
	free_document(doc);
}

static void did_save(tm_lsp_server *server, const json_t *params)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	const char *text = member_string(params, "text");
	if (!doc)
		return;
	if (text)
		set_text(doc, text, json_string_length(json_object_get(params, "text")));
	doc->rules_due = true;
	doc->rules_at = tm_clock_seconds();
}

/* A file changed on disk (one the editor watches for the client): every
 * open document is checked again, with the packs, when typing pauses,
 * since any of them may include it. */
static void files_changed(tm_lsp_server *server)
{
	double at = tm_clock_seconds() + TM_LSP_RULES_DELAY_MS / 1000.0;
	for (size_t i = 0; i < server->ndocuments; i++) {
		server->documents[i]->rules_due = true;
		server->documents[i]->rules_at = at;
	}
}

static json_t *formatting(tm_lsp_server *server, const json_t *params, reply *r)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (!doc) {
		r->code = ERR_INVALID_PARAMS;
		r->message = "textDocument is not an open document";
		return NULL;
	}
	tm_arena *arena = tm_arena_new();
	tm_diags diags = {0};
	tm_source *src = tm_source_from_text(arena, doc->path, doc->text, doc->len);
	char *formatted = NULL;
	json_t *edits = NULL;
	if (tm_fmt_source(&formatted, arena, src, &diags) != TM_OK) {
		/* a document with syntax errors is left as it is; its
		 * diagnostics say why */
		r->code = ERR_REQUEST_FAILED;
		r->message = "the document has syntax errors; fix them to format it";
	} else {
		edits = json_array();
		if (strcmp(formatted, doc->text) != 0)
			json_array_append_new(
			    edits, json_pack("{s:o,s:o}", "range",
			                     tm_lsp_range(server, doc->text, doc->len, 0, (uint32_t)doc->len),
			                     "newText", tm_lsp_string(formatted)));
	}
	free(formatted);
	tm_diags_free(&diags);
	tm_arena_free(arena);
	return edits;
}

static bool ranges_touch(const json_t *a, const json_t *b, const tm_lsp_server *server,
                         const tm_lsp_document *doc)
{
	uint32_t as, ae, bs, be;
	if (!offset_of(server, json_object_get(a, "start"), doc->text, doc->len, &as) ||
	    !offset_of(server, json_object_get(a, "end"), doc->text, doc->len, &ae) ||
	    !offset_of(server, json_object_get(b, "start"), doc->text, doc->len, &bs) ||
	    !offset_of(server, json_object_get(b, "end"), doc->text, doc->len, &be))
		return false;
	return as <= be && bs <= ae;
}

/* Quick fixes: each did-you-mean of the diagnostics published for the
 * text as it is, whose range touches the range asked about. */
static json_t *code_action(tm_lsp_server *server, const json_t *params, reply *r)
{
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	const json_t *range = json_object_get(params, "range");
	if (!doc || !json_is_object(range)) {
		r->code = ERR_INVALID_PARAMS;
		r->message = "codeAction wants an open textDocument and a range";
		return NULL;
	}
	json_t *actions = json_array();
	for (size_t i = 0; i < doc->nfixes; i++) {
		const tm_lsp_fix *fix = &doc->fixes[i];
		if (!ranges_touch(fix->range, range, server, doc))
			continue;
		tm_buf title = TM_BUF_INIT;
		tm_buf_printf(&title, "Change to '%s'", fix->replacement);
		json_t *edit = json_pack("{s:{s:[{s:O,s:o}]}}", "changes", doc->uri, "range", fix->range,
		                         "newText", tm_lsp_string(fix->replacement));
		json_array_append_new(actions, json_pack("{s:o,s:s,s:[O],s:b,s:o}", "title",
		                                         tm_lsp_stringn(tm_buf_str(&title), title.len),
		                                         "kind", "quickfix", "diagnostics", fix->diagnostic,
		                                         "isPreferred", 1, "edit", edit));
		tm_buf_free(&title);
	}
	return actions;
}

static json_t *capabilities(tm_lsp_server *server)
{
	return json_pack("{s:s,s:{s:b,s:i,s:{s:b}},s:{s:[s,s,s,s]},s:b,s:b,s:b,s:b,s:b,s:{s:[s]}}",
	                 "positionEncoding", server->utf8 ? "utf-8" : "utf-16", "textDocumentSync",
	                 "openClose", 1, "change", 2 /* incremental */, "save", "includeText", 1,
	                 "completionProvider", "triggerCharacters", "[", ",", "@", ".", "hoverProvider", 1,
	                 "definitionProvider", 1, "referencesProvider", 1, "documentSymbolProvider", 1,
	                 "documentFormattingProvider", 1, "codeActionProvider", "codeActionKinds",
	                 "quickfix");
}

static void read_initialize(tm_lsp_server *server, const json_t *params)
{
	const json_t *general = json_object_get(json_object_get(params, "capabilities"), "general");
	const json_t *encodings = json_object_get(general, "positionEncodings");
	for (size_t i = 0; json_is_array(encodings) && i < json_array_size(encodings); i++) {
		const char *encoding = json_string_value(json_array_get(encodings, i));
		if (encoding && strcmp(encoding, "utf-8") == 0)
			server->utf8 = true;
	}
	const json_t *options = json_object_get(params, "initializationOptions");
	const char *findings = member_string(options, "findings");
	if (findings) {
		tm_risk level;
		if (strcmp(findings, "none") == 0)
			server->finding_level = -1;
		else if (tm_risk_parse(findings, &level))
			server->finding_level = (int)level;
		else
			logf_("initializationOptions.findings: '%s' is no level (none, info, low, medium, "
			      "high, "
			      "critical); medium it is",
			      findings);
	}
}

static void handle_request(tm_lsp_server *server, const char *method, const json_t *params, reply *r)
{
	if (strcmp(method, "initialize") == 0) {
		if (server->initialized) {
			r->code = ERR_INVALID_REQUEST;
			r->message = "initialize was already called";
			return;
		}
		read_initialize(server, params);
		server->initialized = true;
		r->result = json_pack("{s:o,s:{s:s,s:s}}", "capabilities", capabilities(server), "serverInfo",
		                      "name", "threat", "version", TM_VERSION);
		return;
	}
	if (!server->initialized) {
		r->code = ERR_NOT_INITIALIZED;
		r->message = "the server is not initialized";
		return;
	}
	if (server->shutdown) {
		r->code = ERR_INVALID_REQUEST;
		r->message = "the server is shutting down";
		return;
	}
	if (strcmp(method, "shutdown") == 0) {
		server->shutdown = true;
		return;
	}
	if (!json_is_object(params)) {
		r->code = ERR_INVALID_PARAMS;
		r->message = "params must be an object";
		return;
	}
	/* a request about a document sees its latest text analysed */
	tm_lsp_document *doc = tm_lsp_document_of(server, params);
	if (doc && doc->quick_due && !analyse(server, doc, false))
		return;
	if (strcmp(method, "textDocument/formatting") == 0)
		r->result = formatting(server, params, r);
	else if (strcmp(method, "textDocument/codeAction") == 0)
		r->result = code_action(server, params, r);
	else if (strcmp(method, "textDocument/completion") == 0)
		r->result = tm_lsp_completion(server, params, &r->code, &r->message);
	else if (strcmp(method, "textDocument/hover") == 0)
		r->result = tm_lsp_hover(server, params, &r->code, &r->message);
	else if (strcmp(method, "textDocument/definition") == 0)
		r->result = tm_lsp_definition(server, params, &r->code, &r->message);
	else if (strcmp(method, "textDocument/references") == 0)
		r->result = tm_lsp_references(server, params, &r->code, &r->message);
	else if (strcmp(method, "textDocument/documentSymbol") == 0)
		r->result = tm_lsp_document_symbols(server, params, &r->code, &r->message);
	else {
		r->code = ERR_METHOD_NOT_FOUND;
		r->message = "no such method";
	}
}

/* Returns false when the server is to stop (exit, or the output is gone);
 * *status is then its exit status. */
static bool handle_notification(tm_lsp_server *server, const char *method, const json_t *params, int *status)
{
	if (strcmp(method, "exit") == 0) {
		*status = server->shutdown ? 0 : 1;
		return false;
	}
	if (!server->initialized || server->shutdown || !json_is_object(params))
		return true;
	if (strcmp(method, "textDocument/didOpen") == 0)
		did_open(server, params);
	else if (strcmp(method, "textDocument/didChange") == 0)
		did_change(server, params);
	else if (strcmp(method, "textDocument/didClose") == 0)
		did_close(server, params);
	else if (strcmp(method, "textDocument/didSave") == 0)
		did_save(server, params);
	else if (strcmp(method, "workspace/didChangeWatchedFiles") == 0)
		files_changed(server);
	return true;
}

static json_t *error_response(json_t *id, int code, const char *message)
{
	return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error",
	                 "code", code, "message", message);
}

/* One message: false when the server is to stop. */
static bool handle_message(tm_lsp_server *server, const char *body, size_t len, int *status)
{
	json_error_t error;
	json_t *message = json_loadb(body, len, JSON_REJECT_DUPLICATES, &error);
	if (!message) {
		logf_("a message is not JSON (%s at byte %d)", error.text, error.position);
		return send(server, error_response(NULL, ERR_PARSE, "the message is not JSON"));
	}
	bool ok = true;
	json_t *id = json_object_get(message, "id");
	const json_t *method = json_object_get(message, "method");
	const json_t *params = json_object_get(message, "params");
	bool id_valid = json_is_string(id) || json_is_integer(id);
	if (!json_is_object(message) || (id && !id_valid && !json_is_null(id))) {
		ok = send(server, error_response(id_valid ? id : NULL, ERR_INVALID_REQUEST,
		                                 "a message must be an object with a number or string id"));
	} else if (!json_is_string(method)) {
		/* a response to a request of ours (the server sends none), or
		 * nonsense: either way nothing to answer */
		if (id && !json_object_get(message, "result") && !json_object_get(message, "error"))
			ok =
			    send(server, error_response(id, ERR_INVALID_REQUEST, "a request needs a method"));
	} else if (id) {
		reply r = {0};
		handle_request(server, json_string_value(method), params, &r);
		if (r.code) {
			json_decref(r.result);
			ok = send(server, error_response(id, r.code, r.message));
		} else {
			ok = send(server, json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result",
			                            r.result ? r.result : json_null()));
		}
		if (!ok)
			*status = 1;
	} else {
		ok = handle_notification(server, json_string_value(method), params, status);
	}
	json_decref(message);
	return ok;
}

/* The document whose rule run is due first, or NULL; *wait_ms is how long
 * until then (0: now). */
static tm_lsp_document *next_rules(tm_lsp_server *server, int *wait_ms)
{
	tm_lsp_document *first = NULL;
	for (size_t i = 0; i < server->ndocuments; i++) {
		tm_lsp_document *doc = server->documents[i];
		if (doc->rules_due && (!first || doc->rules_at < first->rules_at))
			first = doc;
	}
	*wait_ms = -1;
	if (first) {
		double ms = (first->rules_at - tm_clock_seconds()) * 1000.0;
		*wait_ms = ms <= 0 ? 0 : (int)(ms + 1);
	}
	return first;
}

static void add_root(tm_lsp_server *server, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return;
	server->roots = tm_xrealloc(server->roots, (server->nroots + 1) * sizeof(*server->roots));
	server->roots[server->nroots++] = real;
}

int tm_lsp_serve(const tm_lsp_options *options)
{
	tm_lsp_server server = {.options = *options, .finding_level = TM_RISK_MEDIUM};
	const char *timing = getenv("THREAT_LSP_TIMING");
	server.timing = timing && *timing && strcmp(timing, "0") != 0;
	char here[PATH_MAX];
	server.cwd = tm_xstrdup(getcwd(here, sizeof here) ? here : "/");
	add_root(&server, server.cwd);
	for (size_t i = 0; i < options->session.ninclude_roots; i++)
		add_root(&server, options->session.include_roots[i]);
	server.vocab = tm_vocab_new();
	server.reader = (tm_file_reader){.read = read_model_file, .context = &server, .cwd = server.cwd};
	tm_lsp_input input;
	tm_lsp_input_init(&input, options->input);
	int status = 1;
	for (;;) {
		int wait_ms;
		/* the changes of a burst, analysed once it is over */
		for (size_t i = 0; i < server.ndocuments && !tm_lsp_input_waiting(&input, 0); i++)
			if (server.documents[i]->quick_due && !analyse(&server, server.documents[i], false))
				break;
		if (server.output_failed) {
			logf_("cannot write to the output: stopping");
			break;
		}
		tm_lsp_document *due = next_rules(&server, &wait_ms);
		if (due && !tm_lsp_input_waiting(&input, wait_ms)) {
			/* quiet for long enough: the rule packs run */
			if (!analyse(&server, due, true)) {
				logf_("cannot write to the output: stopping");
				break;
			}
			continue;
		}
		char *body = NULL, why[200];
		size_t len = 0;
		tm_lsp_read_status got = tm_lsp_read(&input, &body, &len, why, sizeof why);
		if (got == TM_LSP_READ_EOF) {
			status = server.shutdown ? 0 : 1;
			break;
		}
		if (got == TM_LSP_READ_BAD) {
			logf_("%s", why);
			if (input.eof)
				break;
			continue;
		}
		bool go_on = handle_message(&server, body, len, &status);
		free(body);
		if (server.output_failed) {
			logf_("cannot write to the output: stopping");
			status = 1;
			break;
		}
		if (!go_on)
			break;
	}
	tm_lsp_input_free(&input);
	for (size_t i = 0; i < server.ndocuments; i++)
		free_document(server.documents[i]);
	free(server.documents);
	for (size_t i = 0; i < server.nroots; i++)
		free(server.roots[i]);
	free(server.roots);
	tm_vocab_free(server.vocab);
	free(server.cwd);
	return status;
}
