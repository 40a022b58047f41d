/* The query language's lexer and recursive-descent parser. A query is one
 * line; the first mistake stops the parse with an error at its column. */
#include "base/limits.h"
#include "query/query.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "threat/status.h"

/* ORDER COMMAND */
const char *const tm_query_command_names[TM_QC_COUNT + 1] = {
    "",        "threats", "elements", "show", "flows", "path", "explain",
    "summary", "rules",   "reload",   "load", "help",  "quit", NULL,
};

/* ORDER FIELD */
const char *const tm_query_field_names[TM_QF_COUNT + 1] = {
    "id",     "rule",   "framework", "category", "element", "kind",    "risk", "likelihood",
    "impact", "status", "boundary",  "pack",     "title",   "overdue", NULL,
};

const char *const tm_query_op_names[TM_QOP_COUNT] = {"=", "!=", "<", "<=", ">", ">=", "~", "!~"};

typedef enum token_kind { T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_OP, T_ARROW, T_BAD } token_kind;

typedef struct token {
	token_kind kind;
	uint32_t start, end; /* bytes of the source */
	const char *text;    /* WORD, STRING (decoded): arena copy */
	tm_query_op op;
} token;

typedef struct parser {
	tm_query *query;
	tm_diags *diags;
	const char *text;
	uint32_t len, pos;
	token tok; /* the current token */
	bool failed;
	int depth;
} parser;

static bool word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '@' || c == '/' || c == ':' || c == '-' ||
	       c == '+' || c == '*' || c >= 0x80;
}

static tm_span span_of(const parser *p, uint32_t start, uint32_t end)
{
	return (tm_span){p->query->src, start, end};
}

static tm_diag *error_at(parser *p, uint32_t start, uint32_t end, const char *fmt, const char *arg)
{
	if (p->failed)
		return NULL;
	p->failed = true;
	return tm_diag_error(p->diags, span_of(p, start, end), fmt, arg);
}

/* Reads the next token into p->tok. */
static void next(parser *p)
{
	const char *s = p->text;
	while (p->pos < p->len &&
	       (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\r' || s[p->pos] == '\n'))
		p->pos++;
	token tok = {.kind = T_END, .start = p->pos, .end = p->pos};
	if (p->pos >= p->len || s[p->pos] == '#') {
		p->pos = p->len;
		tok.start = tok.end = p->len;
		p->tok = tok;
		return;
	}
	uint32_t at = p->pos;
	unsigned char c = (unsigned char)s[at];
	if (c == '(' || c == ')') {
		tok.kind = c == '(' ? T_LPAREN : T_RPAREN;
		p->pos++;
	} else if (c == '-' && at + 1 < p->len && s[at + 1] == '>') {
		tok.kind = T_ARROW;
		p->pos += 2;
	} else if (c == '=' || c == '!' || c == '<' || c == '>' || c == '~') {
		tok.kind = T_OP;
		char c2 = at + 1 < p->len ? s[at + 1] : '\0';
		p->pos++;
		switch (c) {
		case '=':
			tok.op = TM_QOP_EQ;
			if (c2 == '=')
				p->pos++;
			break;
		case '!':
			if (c2 == '=') {
				tok.op = TM_QOP_NE;
				p->pos++;
			} else if (c2 == '~') {
				tok.op = TM_QOP_NOMATCH;
				p->pos++;
			} else {
				tok.kind = T_BAD;
			}
			break;
		case '<':
			tok.op = TM_QOP_LT;
			if (c2 == '=') {
				tok.op = TM_QOP_LE;
				p->pos++;
			}
			break;
		case '>':
			tok.op = TM_QOP_GT;
			if (c2 == '=') {
				tok.op = TM_QOP_GE;
				p->pos++;
			}
			break;
		default: tok.op = TM_QOP_MATCH; break;
		}
	} else if (c == '"' || c == '\'') {
		/* A quoted value: \" \' and \\ escape, nothing else is special. */
		tm_buf value = TM_BUF_INIT;
		uint32_t i = at + 1;
		bool closed = false;
		while (i < p->len) {
			char d = s[i];
			if (d == (char)c) {
				closed = true;
				i++;
				break;
			}
			if (d == '\\' && i + 1 < p->len) {
				d = s[++i];
			}
			tm_buf_putc(&value, d);
			i++;
		}
		p->pos = i;
		if (!closed) {
			tok.kind = T_BAD;
			tok.end = i;
			p->tok = tok;
			tm_buf_free(&value);
			error_at(p, at, at + 1, "this quoted value has no closing %s", c == '"' ? "\"" : "'");
			return;
		}
		tok.kind = T_STRING;
		tok.text = tm_arena_strndup(p->query->arena, tm_buf_str(&value), value.len);
		tm_buf_free(&value);
	} else if (word_char(c)) {
		/* A word; `->` and `<->` inside one (`web->api`, RULE@a->b) belong
		 * to it, a free-standing `->` is an arrow token. */
		uint32_t i = at;
		for (;;) {
			if (i < p->len && word_char((unsigned char)s[i]) &&
			    !(s[i] == '-' && i + 1 < p->len && s[i + 1] == '>')) {
				i++;
			} else if (i + 2 < p->len && s[i] == '-' && s[i + 1] == '>' &&
			           word_char((unsigned char)s[i + 2]) && s[i + 2] != '-') {
				i += 2;
			} else if (i + 3 < p->len && s[i] == '<' && s[i + 1] == '-' && s[i + 2] == '>' &&
			           word_char((unsigned char)s[i + 3]) && s[i + 3] != '-') {
				i += 3;
			} else {
				break;
			}
		}
		tok.kind = T_WORD;
		tok.text = tm_arena_strndup(p->query->arena, s + at, i - at);
		p->pos = i;
	} else {
		tok.kind = T_BAD;
		p->pos++;
		/* the whole character, for the caret */
		while (p->pos < p->len && ((unsigned char)s[p->pos] & 0xC0) == 0x80)
			p->pos++;
	}
	tok.end = p->pos;
	p->tok = tok;
	if (tok.kind == T_BAD)
		error_at(p, tok.start, tok.end, "unexpected character%s here", "");
}

static bool is_word(const parser *p, const char *word)
{
	return p->tok.kind == T_WORD && strcasecmp(p->tok.text, word) == 0;
}

/* What the current token is, for "found ..." in messages. */
static const char *found(const parser *p)
{
	switch (p->tok.kind) {
	case T_END: return "the end of the query";
	case T_LPAREN: return "'('";
	case T_RPAREN: return "')'";
	case T_ARROW: return "'->'";
	case T_OP: return tm_arena_printf(p->query->arena, "'%s'", tm_query_op_names[p->tok.op]);
	default:
		return tm_arena_printf(p->query->arena, "'%.*s'", (int)(p->tok.end - p->tok.start),
		                       p->text + p->tok.start);
	}
}

static char *lowercase(tm_arena *arena, const char *text)
{
	char *copy = tm_arena_strdup(arena, text);
	for (char *c = copy; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return copy;
}

/* Adds "did you mean 'X'?" to diag when a candidate is close to `name`
 * (compared in lower case). `shown` gives the spelling to suggest (NULL:
 * the candidate as it is). */
static bool suggest(parser *p, tm_diag *diag, const char *name, const char *const *candidates,
                    const char *const *shown, size_t count)
{
	if (!diag)
		return false;
	const char *guess = tm_suggest(lowercase(p->query->arena, name), candidates, count);
	if (!guess)
		return false;
	for (size_t i = 0; shown && i < count; i++)
		if (candidates[i] == guess)
			guess = shown[i];
	tm_diag_note(diag, (tm_span){0}, "did you mean '%s'?", guess);
	return true;
}

static int find_name(const char *word, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (names[i] && strcasecmp(word, names[i]) == 0)
			return (int)i;
	return -1;
}

/* FIELD: one of the field names, any case. */
static bool parse_field(parser *p, tm_query_field *out, const char *after)
{
	if (p->tok.kind != T_WORD) {
		error_at(p, p->tok.start, p->tok.end, after, found(p));
		return false;
	}
	int field = find_name(p->tok.text, tm_query_field_names, TM_QF_COUNT);
	if (field < 0) {
		tm_diag *diag = error_at(p, p->tok.start, p->tok.end, "unknown field '%s'", p->tok.text);
		if (diag && !suggest(p, diag, p->tok.text, tm_query_field_names, NULL, TM_QF_COUNT))
			tm_diag_note(diag, (tm_span){0},
			             "the fields are id, rule, framework, category, element, kind, risk, "
			             "likelihood, impact, status, boundary, pack, title and overdue");
		return false;
	}
	*out = (tm_query_field)field;
	return true;
}

static const char *const risk_lower[5] = {"info", "low", "medium", "high", "critical"};
static const char *const kind_names_model[TM_EL_COUNT + 1] = {
    "external", "process", "store", "flow", "boundary", "asset", "actor", "model",
};

static bool numeric_field(tm_query_field field)
{
	return field == TM_QF_LIKELIHOOD || field == TM_QF_IMPACT;
}

/* Checks the operator and value of a comparison against its field and
 * fills the parsed forms of the value. */
static bool check_comparison(parser *p, tm_query_node *node)
{
	tm_query_field field = node->field;
	const char *name = tm_query_field_names[field];
	bool ordered =
	    node->op == TM_QOP_LT || node->op == TM_QOP_LE || node->op == TM_QOP_GT || node->op == TM_QOP_GE;
	bool text_op = node->op == TM_QOP_MATCH || node->op == TM_QOP_NOMATCH;
	uint32_t op_start = node->op_span.start, op_end = node->op_span.end;
	uint32_t v_start = node->value_span.start, v_end = node->value_span.end;
	if (field == TM_QF_OVERDUE) {
		if (node->op != TM_QOP_EQ && node->op != TM_QOP_NE) {
			error_at(p, op_start, op_end, "'%s' is true or false: use = or !=", name);
			return false;
		}
	} else if (field == TM_QF_RISK || numeric_field(field)) {
		if (text_op) {
			error_at(p, op_start, op_end,
			         "'%s' compares by level or number: use = != < <= > >=", name);
			return false;
		}
	} else if (ordered) {
		tm_diag *diag =
		    error_at(p, op_start, op_end, "'%s' is text and has no order: use = != ~ or !~", name);
		if (diag && field == TM_QF_STATUS)
			tm_diag_note(diag, (tm_span){0}, "to compare risks, use the field 'risk'");
		return false;
	}
	node->folded = lowercase(p->query->arena, node->value);
	node->level = -1;
	switch (field) {
	case TM_QF_RISK: {
		tm_risk risk;
		if (!tm_risk_parse(node->value, &risk)) {
			tm_diag *diag = error_at(p, v_start, v_end, "unknown risk level '%s'", node->value);
			if (diag && !suggest(p, diag, node->value, risk_lower, tm_risk_names, 5))
				tm_diag_note(diag, (tm_span){0},
				             "the levels are INFO < LOW < MEDIUM < HIGH < CRITICAL");
			return false;
		}
		node->level = (int)risk;
		break;
	}
	case TM_QF_LIKELIHOOD:
	case TM_QF_IMPACT: {
		char *end = NULL;
		double number = strtod(node->value, &end);
		if (!*node->value || !end || *end || number != number) {
			error_at(p, v_start, v_end, "'%s' compares with a number (like 2 or 2.4)", name);
			return false;
		}
		node->number = number;
		break;
	}
	case TM_QF_STATUS:
		if (!text_op) {
			int status = find_name(node->value, tm_status_names, 6);
			if (status < 0) {
				tm_diag *diag =
				    error_at(p, v_start, v_end, "unknown status '%s'", node->value);
				if (diag && !suggest(p, diag, node->value, tm_status_names, NULL, 6))
					tm_diag_note(diag, (tm_span){0},
					             "the statuses are open, planned, mitigated, accepted, "
					             "expired and "
					             "false_positive");
				return false;
			}
			node->level = status;
		}
		break;
	case TM_QF_OVERDUE:
		if (strcasecmp(node->value, "true") == 0) {
			node->level = 1;
		} else if (strcasecmp(node->value, "false") == 0) {
			node->level = 0;
		} else {
			error_at(p, v_start, v_end, "'overdue' compares with true or false, not '%s'",
			         node->value);
			return false;
		}
		break;
	case TM_QF_KIND:
		if (!text_op) {
			int kind = find_name(node->value, kind_names_model, TM_EL_COUNT + 1);
			if (kind < 0) {
				tm_diag *diag = error_at(p, v_start, v_end, "unknown kind '%s'", node->value);
				suggest(p, diag, node->value, kind_names_model, NULL, TM_EL_COUNT + 1);
				return false;
			}
			node->level = kind == TM_EL_COUNT ? -1 : kind;
		}
		break;
	default: break;
	}
	return true;
}

static tm_query_node *parse_or(parser *p);

/* comparison: FIELD OP VALUE */
static tm_query_node *parse_comparison(parser *p)
{
	tm_query_node *node = tm_arena_alloc(p->query->arena, sizeof(*node));
	node->kind = TM_QN_CMP;
	node->field_span = span_of(p, p->tok.start, p->tok.end);
	if (!parse_field(p, &node->field, "expected a field (risk, status, element, ...) or '(', found %s"))
		return NULL;
	next(p);
	if (p->tok.kind != T_OP) {
		const char *what = found(p);
		tm_diag *diag = error_at(p, p->tok.start, p->tok.end,
		                         "expected an operator after the field, found %s", what);
		if (diag)
			tm_diag_note(diag, (tm_span){0},
			             "the operators are = != < <= > >= ~ (contains) and !~");
		return NULL;
	}
	node->op = p->tok.op;
	node->op_span = span_of(p, p->tok.start, p->tok.end);
	next(p);
	if (p->tok.kind != T_WORD && p->tok.kind != T_STRING) {
		error_at(p, p->tok.start, p->tok.end, "expected a value, found %s", found(p));
		return NULL;
	}
	node->value = p->tok.text;
	node->value_span = span_of(p, p->tok.start, p->tok.end);
	next(p);
	return check_comparison(p, node) ? node : NULL;
}

/* not_expr: 'not' not_expr | '(' or_expr ')' | comparison */
static tm_query_node *parse_not(parser *p)
{
	if (p->failed)
		return NULL;
	if (++p->depth > MAX_QUERY_DEPTH) {
		error_at(p, p->tok.start, p->tok.end, "the condition nests too deeply%s", "");
		return NULL;
	}
	tm_query_node *node = NULL;
	if (is_word(p, "not")) {
		next(p);
		tm_query_node *operand = parse_not(p);
		if (operand) {
			node = tm_arena_alloc(p->query->arena, sizeof(*node));
			node->kind = TM_QN_NOT;
			node->items = tm_arena_alloc(p->query->arena, sizeof(*node->items));
			node->items[0] = operand;
			node->nitems = 1;
		}
	} else if (p->tok.kind == T_LPAREN) {
		uint32_t open = p->tok.start;
		next(p);
		node = parse_or(p);
		if (node && p->tok.kind != T_RPAREN) {
			tm_diag *diag =
			    error_at(p, p->tok.start, p->tok.end, "expected ')', found %s", found(p));
			if (diag)
				tm_diag_note(diag, span_of(p, open, open + 1), "to close this '('");
			node = NULL;
		}
		if (node)
			next(p);
	} else {
		node = parse_comparison(p);
	}
	p->depth--;
	return node;
}

/* Parses `operand (WORD operand)*` into one n-ary node. */
static tm_query_node *parse_chain(parser *p, const char *word, tm_query_node_kind kind,
                                  tm_query_node *(*operand)(parser *))
{
	tm_query_node *first = operand(p);
	if (!first || !is_word(p, word))
		return first;
	tm_query_node **items = NULL;
	size_t count = 0, cap = 0;
	TM_VEC_PUSH(items, count, cap, first);
	while (is_word(p, word)) {
		next(p);
		tm_query_node *item = operand(p);
		if (!item) {
			free(items);
			return NULL;
		}
		TM_VEC_PUSH(items, count, cap, item);
	}
	tm_query_node *node = tm_arena_alloc(p->query->arena, sizeof(*node));
	node->kind = kind;
	node->items = tm_arena_memdup(p->query->arena, items, count * sizeof(*items));
	node->nitems = count;
	free(items);
	return node;
}

static tm_query_node *parse_and(parser *p)
{
	return parse_chain(p, "and", TM_QN_AND, parse_not);
}

static tm_query_node *parse_or(parser *p)
{
	return parse_chain(p, "or", TM_QN_OR, parse_and);
}

/* threats [where COND] [by FIELD [asc|desc]] [limit N], clauses in any order */
static void parse_threats(parser *p)
{
	tm_query *q = p->query;
	bool has_where = false;
	while (!p->failed && p->tok.kind != T_END) {
		if (is_word(p, "where") && !has_where) {
			has_where = true;
			next(p);
			if (p->tok.kind == T_END) {
				error_at(p, p->tok.start, p->tok.end, "expected a condition after 'where'%s",
				         "");
				return;
			}
			q->where = parse_or(p);
			if (!q->where)
				return;
			if (p->tok.kind == T_RPAREN) {
				error_at(p, p->tok.start, p->tok.end, "this ')' closes no '('%s", "");
				return;
			}
		} else if (is_word(p, "by") && !q->has_order) {
			next(p);
			if (!parse_field(p, &q->order, "expected a field to sort by after 'by', found %s"))
				return;
			q->has_order = true;
			next(p);
			if (is_word(p, "desc") || is_word(p, "asc")) {
				q->descending = is_word(p, "desc");
				next(p);
			}
		} else if (is_word(p, "limit") && !q->has_limit) {
			next(p);
			const char *digits = p->tok.kind == T_WORD ? p->tok.text : "";
			size_t n = strspn(digits, "0123456789");
			if (!n || digits[n] || n > 9) {
				error_at(p, p->tok.start, p->tok.end, "limit wants a whole number, found %s",
				         found(p));
				return;
			}
			q->has_limit = true;
			q->limit = (size_t)strtoul(digits, NULL, 10);
			next(p);
		} else if (is_word(p, "where") || is_word(p, "by") || is_word(p, "limit")) {
			/* each clause at most once: a second one is not a typo of itself */
			error_at(p, p->tok.start, p->tok.end, "'%s' may appear only once in a query",
			         p->tok.text);
		} else {
			const char *what = found(p);
			tm_diag *diag;
			if (p->tok.kind == T_WORD &&
			    (strcasecmp(p->tok.text, "and") == 0 || strcasecmp(p->tok.text, "or") == 0))
				diag = error_at(p, p->tok.start, p->tok.end, "expected a condition before %s",
				                what);
			else
				diag = error_at(p, p->tok.start, p->tok.end,
				                "expected 'where', 'by' or 'limit', found %s", what);
			static const char *const clauses[] = {"where", "by", "limit"};
			if (p->tok.kind == T_WORD)
				suggest(p, diag, p->tok.text, clauses, NULL, 3);
		}
	}
}

/* One word or quoted argument into *arg; false (without an error) at the end. */
static bool take_arg(parser *p, const char **arg, tm_span *span)
{
	if (p->tok.kind != T_WORD && p->tok.kind != T_STRING)
		return false;
	*arg = p->tok.text;
	*span = span_of(p, p->tok.start, p->tok.end);
	next(p);
	return true;
}

static void need_arg(parser *p, const char **arg, tm_span *span, const char *what)
{
	if (!take_arg(p, arg, span) && !p->failed)
		error_at(p, p->tok.start, p->tok.end, what, found(p));
}

/* path FROM -> TO, or path FROM->TO written as one word */
static void parse_path(parser *p)
{
	tm_query *q = p->query;
	need_arg(p, &q->arg, &q->arg_span, "path wants 'FROM -> TO', found %s");
	if (p->failed)
		return;
	const char *arrow = strstr(q->arg, "->");
	if (arrow && p->tok.kind == T_END) {
		/* `path web->db`: element ids never hold "->" */
		size_t head = (size_t)(arrow - q->arg);
		q->arg2 = tm_arena_strdup(q->arena, arrow + 2);
		q->arg2_span = (tm_span){q->src, q->arg_span.start + (uint32_t)head + 2, q->arg_span.end};
		q->arg = tm_arena_strndup(q->arena, q->arg, head);
		q->arg_span.end = q->arg_span.start + (uint32_t)head;
		return;
	}
	if (p->tok.kind != T_ARROW && !is_word(p, "to")) {
		error_at(p, p->tok.start, p->tok.end, "expected '->' between the two elements, found %s",
		         found(p));
		return;
	}
	next(p);
	need_arg(p, &q->arg2, &q->arg2_span, "expected the element the path goes to, found %s");
}

/* An element kind as a word, singular or plural ("flows", "boundaries",
 * "processes"), in lower case; NULL when it names none. */
static char *element_kind(tm_arena *arena, const char *word)
{
	char *kind = lowercase(arena, word);
	size_t n = strlen(kind);
	if (find_name(kind, tm_element_kind_names, TM_EL_COUNT) >= 0)
		return kind;
	static const char *const endings[][2] = {{"ies", "y"}, {"es", ""}, {"s", ""}};
	for (size_t i = 0; i < 3; i++) {
		size_t cut = strlen(endings[i][0]);
		if (n <= cut || strcmp(kind + n - cut, endings[i][0]) != 0)
			continue;
		char *singular = tm_arena_printf(arena, "%.*s%s", (int)(n - cut), kind, endings[i][1]);
		if (find_name(singular, tm_element_kind_names, TM_EL_COUNT) >= 0)
			return singular;
	}
	return NULL;
}

static void parse_command(parser *p)
{
	tm_query *q = p->query;
	if (p->tok.kind == T_END) {
		q->command = TM_QC_EMPTY;
		return;
	}
	if (p->tok.kind != T_WORD) {
		error_at(p, p->tok.start, p->tok.end, "expected a command (try 'help'), found %s", found(p));
		return;
	}
	const char *word = p->tok.text;
	int command = find_name(word, tm_query_command_names + 1, TM_QC_COUNT - 1);
	if (command >= 0)
		command++;
	else if (strcasecmp(word, "exit") == 0 || strcasecmp(word, "q") == 0)
		command = TM_QC_QUIT;
	else if (strcasecmp(word, "?") == 0)
		command = TM_QC_HELP;
	if (command < 0) {
		tm_diag *diag = error_at(p, p->tok.start, p->tok.end, "unknown command '%s'", word);
		suggest(p, diag, word, tm_query_command_names + 1, NULL, TM_QC_COUNT - 1);
		if (diag)
			tm_diag_note(diag, (tm_span){0}, "'help' lists the commands");
		return;
	}
	q->command = (tm_query_command)command;
	next(p);
	switch (q->command) {
	case TM_QC_THREATS: parse_threats(p); break;
	case TM_QC_ELEMENTS:
		if (take_arg(p, &q->arg, &q->arg_span)) {
			char *kind = element_kind(q->arena, q->arg);
			if (!kind) {
				tm_diag *diag = error_at(p, q->arg_span.start, q->arg_span.end,
				                         "unknown kind '%s'", q->arg);
				suggest(p, diag, q->arg, tm_element_kind_names, NULL, TM_EL_COUNT);
				return;
			}
			q->arg = kind;
		}
		break;
	case TM_QC_SHOW:
		need_arg(p, &q->arg, &q->arg_span, "show wants an element or finding id, found %s");
		break;
	case TM_QC_EXPLAIN: need_arg(p, &q->arg, &q->arg_span, "explain wants a finding id, found %s"); break;
	case TM_QC_LOAD: need_arg(p, &q->arg, &q->arg_span, "load wants a model file, found %s"); break;
	case TM_QC_FLOWS:
		if (is_word(p, "crossing")) {
			next(p);
			need_arg(p, &q->arg, &q->arg_span, "expected a boundary after 'crossing', found %s");
		} else if (p->tok.kind != T_END) {
			error_at(p, p->tok.start, p->tok.end,
			         "expected 'crossing BOUNDARY' or the end, found %s", found(p));
		}
		break;
	case TM_QC_PATH: parse_path(p); break;
	case TM_QC_HELP: take_arg(p, &q->arg, &q->arg_span); break;
	default: break;
	}
	if (!p->failed && p->tok.kind != T_END)
		error_at(p, p->tok.start, p->tok.end, "unexpected %s after the command", found(p));
}

int tm_query_parse(tm_query **out, const char *text, tm_diags *diags)
{
	tm_query *q = tm_xcalloc(1, sizeof(*q));
	*out = q;
	q->arena = tm_arena_new();
	size_t len = text ? strlen(text) : 0;
	if (len > MAX_QUERY_BYTES) {
		q->src = tm_source_from_text(q->arena, "query", "", 0);
		tm_diag_error(diags, (tm_span){0}, "the query is longer than %d bytes", MAX_QUERY_BYTES);
		return TM_ERR_INPUT;
	}
	/* A trailing newline (a line read from a script) is not part of it. */
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	q->src = tm_source_from_text(q->arena, "query", text ? text : "", len);
	parser p = {.query = q, .diags = diags, .text = q->src->text, .len = (uint32_t)len};
	next(&p);
	if (!p.failed)
		parse_command(&p);
	return p.failed ? TM_ERR_INPUT : TM_OK;
}

void tm_query_free(tm_query *query)
{
	if (!query)
		return;
	tm_arena_free(query->arena);
	free(query);
}
