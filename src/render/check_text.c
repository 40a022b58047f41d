#include "render/render.h"
#include "render/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/task.h"
#include "base/xalloc.h"
#include "render/term.h"

#define COLOR_RESET "\033[0m"
/* Indentation of nested boundaries stops growing here, so a pathological
 * nesting cannot push the text off the screen. */
#define MAX_INDENT_DEPTH 16
/* A flow crossing more boundaries than this is listed under the innermost
 * one on each side only (doc/language.md "Crossings"). */
#define LISTED_CROSSINGS_MAX 4
/* A title column narrower than this is useless: the line overflows instead. */
#define MIN_TITLE_WIDTH 12
/* What a title gets, space permitting, before ELEMENT gives up columns. */
#define WANTED_TITLE_WIDTH 30
#define MIN_ELEMENT_WIDTH  8
#define NO_SLOT            ((size_t)-1)
/* From this many findings, the report is written by two threads at once
 * (large_report), its table in runs of ROW_CHUNK rows. */
#define PARALLEL_ROWS 20000
#define ROW_CHUNK     16384
/* The summary shows this many overdue findings and elements of a group,
 * then says how many more there are and the query that lists them. */
#define SHOWN_OVERDUE        TM_SUMMARY_TOP
#define SHOWN_GROUP_ELEMENTS 10
#define SHOWN_LISTED         (SHOWN_OVERDUE > SHOWN_GROUP_ELEMENTS ? SHOWN_OVERDUE : SHOWN_GROUP_ELEMENTS)
#define GROUP_INDENT         4
/* Where a group's elements wrap when the width is unlimited (a file, a PR). */
#define WRAP_WIDTH 100

/* ORDER RISK */
static const char *const risk_colors[5] = {"\033[2m", "\033[36m", "\033[33m", "\033[31m", "\033[1;31m"};

/* The length of text when every byte is printable ASCII (one column each,
 * nothing to sanitise), else SIZE_MAX: most ids, keys and titles are, and
 * a million rows should not each be decoded as UTF-8 twice. */
static size_t plain_length(const char *text)
{
	size_t i = 0;
	for (; text[i]; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
			return SIZE_MAX;
	return i;
}

static size_t text_width(const char *text)
{
	if (!text)
		return 0;
	size_t len = plain_length(text);
	return len != SIZE_MAX ? len : tm_term_width(text);
}

/* tm_term_sanitize with the printable-ASCII shortcut. */
static void sanitize(tm_buf *out, const char *text)
{
	size_t len = text ? plain_length(text) : SIZE_MAX;
	if (len != SIZE_MAX && !tm_utf8_is_command(text, len))
		tm_buf_put(out, text, len);
	else
		tm_term_sanitize(out, text);
}

static void indent(tm_buf *out, int depth)
{
	tm_buf_fill(out, ' ', (size_t)2 * (size_t)(depth < MAX_INDENT_DEPTH ? depth : MAX_INDENT_DEPTH));
}

static void plural(tm_buf *out, size_t count, const char *one, const char *many)
{
	tm_buf_printf(out, "%zu %s", count, count == 1 ? one : many);
}

/* `Customer Portal: 12 elements (3 external, 5 process, 2 store), 9 flows, 6 boundaries` */
static void header(tm_buf *out, const tm_model *model)
{
	size_t counts[TM_EL_COUNT] = {0};
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el && el->kind < TM_EL_COUNT)
			counts[el->kind]++;
	}
	static const tm_element_kind listed[] = {TM_EL_EXTERNAL, TM_EL_PROCESS, TM_EL_STORE, TM_EL_ASSET,
	                                         TM_EL_ACTOR};
	size_t nlisted = sizeof listed / sizeof listed[0], elements = 0;
	for (size_t i = 0; i < nlisted; i++)
		elements += counts[listed[i]];

	if (model->meta.name)
		sanitize(out, model->meta.name);
	else
		tm_buf_puts(out, "(unnamed model)");
	tm_buf_puts(out, ": ");
	plural(out, elements, "element", "elements");
	const char *sep = " (";
	for (size_t i = 0; i < nlisted; i++) {
		if (!counts[listed[i]])
			continue;
		tm_buf_printf(out, "%s%zu %s", sep, counts[listed[i]], tm_element_kind_names[listed[i]]);
		sep = ", ";
	}
	if (elements)
		tm_buf_putc(out, ')');
	tm_buf_puts(out, ", ");
	plural(out, counts[TM_EL_FLOW], "flow", "flows");
	tm_buf_puts(out, ", ");
	plural(out, counts[TM_EL_BOUNDARY], "boundary", "boundaries");
	tm_buf_putc(out, '\n');
}

/* `sql: api.dal -> db "queries"`: the id when the flow has one, the ends,
 * and the label when it says more than the key. */
static void flow_line(tm_buf *out, const tm_element *flow)
{
	if (flow->id) {
		sanitize(out, flow->id);
		tm_buf_puts(out, ": ");
	}
	sanitize(out, flow->source && flow->source->key ? flow->source->key : "?");
	tm_buf_puts(out, flow->bidirectional ? " <-> " : " -> ");
	sanitize(out, flow->target && flow->target->key ? flow->target->key : "?");
	const char *label = flow->label;
	if (label && *label && !(flow->key && strcmp(label, flow->key) == 0) &&
	    !(flow->id && strcmp(label, flow->id) == 0)) {
		tm_buf_puts(out, " \"");
		sanitize(out, label);
		tm_buf_putc(out, '"');
	}
}

typedef struct boundary_node {
	const tm_element *boundary;
	size_t *children; /* slots of the boundaries directly inside it */
	size_t nchildren, capchildren;
	/* flows listed under it, in model order (see tree_build) */
	const tm_element **flows;
	size_t nflows, capflows;
	size_t ncrossing;                /* flows crossing it, listed here or inside it */
	const tm_element *last_crossing; /* the last flow counted in ncrossing */
	bool shown;
} boundary_node;

typedef struct boundary_tree {
	const tm_model *model;
	size_t *slot_of_index; /* model->elements index -> slot, or NO_SLOT */
	boundary_node *nodes;
	size_t count;
} boundary_tree;

/* The slot of a boundary element; tolerates an element whose `index` is
 * stale (models built by hand) by searching. */
static size_t slot_of(const boundary_tree *tree, const tm_element *el)
{
	if (!el)
		return NO_SLOT;
	const tm_model *model = tree->model;
	if (el->index < model->nelements && model->elements[el->index] == el)
		return tree->slot_of_index[el->index];
	for (size_t i = 0; i < model->nelements; i++)
		if (model->elements[i] == el)
			return tree->slot_of_index[i];
	return NO_SLOT;
}

static void tree_build(boundary_tree *tree, const tm_model *model)
{
	tree->model = model;
	tree->slot_of_index = tm_xmalloc((model->nelements + 1) * sizeof *tree->slot_of_index);
	size_t nboundaries = 0;
	for (size_t i = 0; i < model->nelements; i++)
		nboundaries += model->elements[i] && model->elements[i]->kind == TM_EL_BOUNDARY;
	tree->nodes = tm_xcalloc(nboundaries + 1, sizeof *tree->nodes);
	tree->count = 0;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		tree->slot_of_index[i] = NO_SLOT;
		if (el && el->kind == TM_EL_BOUNDARY) {
			tree->slot_of_index[i] = tree->count;
			tree->nodes[tree->count++].boundary = el;
		}
	}
	for (size_t slot = 0; slot < tree->count; slot++) {
		size_t outer = slot_of(tree, tree->nodes[slot].boundary->outer);
		if (outer != NO_SLOT && outer != slot) {
			boundary_node *parent = &tree->nodes[outer];
			TM_VEC_PUSH(parent->children, parent->nchildren, parent->capchildren, slot);
		}
	}
	/* A flow is listed under each boundary it crosses, up to
	 * LISTED_CROSSINGS_MAX of them; one that crosses more is listed once
	 * a side, under the innermost boundary it crosses there, so a flow
	 * out of many nested boundaries takes a line, not one per boundary.
	 * Crossings come innermost first: the first is one side's innermost;
	 * walking out from it marks that side, and the first crossing off
	 * that chain is the other side's. */
	const tm_element **marked_by = tm_xcalloc(tree->count + 1, sizeof *marked_by);
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *flow = model->elements[i];
		if (!flow || flow->kind != TM_EL_FLOW || !flow->ncrossings)
			continue;
		size_t first = slot_of(tree, flow->crossings[0]);
		size_t steps = 0;
		for (size_t slot = first; slot != NO_SLOT && steps <= tree->count; steps++) {
			if (marked_by[slot] == flow)
				break; /* an `outer` cycle in a broken model */
			marked_by[slot] = flow;
			slot = slot_of(tree, tree->nodes[slot].boundary->outer);
		}
		size_t other = NO_SLOT;
		for (size_t c = 0; c < flow->ncrossings; c++) {
			size_t slot = slot_of(tree, flow->crossings[c]);
			if (slot == NO_SLOT)
				continue;
			boundary_node *node = &tree->nodes[slot];
			/* a boundary named twice in one flow's crossings counts once */
			if (node->last_crossing == flow)
				continue;
			node->last_crossing = flow;
			node->ncrossing++;
			if (flow->ncrossings <= LISTED_CROSSINGS_MAX)
				TM_VEC_PUSH(node->flows, node->nflows, node->capflows, flow);
			else if (other == NO_SLOT && marked_by[slot] != flow)
				other = slot;
		}
		if (flow->ncrossings <= LISTED_CROSSINGS_MAX)
			continue;
		if (first != NO_SLOT) {
			boundary_node *node = &tree->nodes[first];
			TM_VEC_PUSH(node->flows, node->nflows, node->capflows, flow);
		}
		if (other != NO_SLOT) {
			boundary_node *node = &tree->nodes[other];
			TM_VEC_PUSH(node->flows, node->nflows, node->capflows, flow);
		}
	}
	free(marked_by);
}

static void tree_free(boundary_tree *tree)
{
	for (size_t slot = 0; slot < tree->count; slot++) {
		free(tree->nodes[slot].children);
		free(tree->nodes[slot].flows);
	}
	free(tree->nodes);
	free(tree->slot_of_index);
}

/* `TB-03 "Next.js → Hono API" — controls: JWT validation, CORS`, then
 * the crossing flows one a line. */
static void boundary_lines(tm_buf *out, const boundary_node *node, int depth)
{
	const tm_element *boundary = node->boundary;
	indent(out, depth);
	sanitize(out, boundary->id ? boundary->id : boundary->key);
	if (boundary->label && *boundary->label &&
	    !(boundary->id && strcmp(boundary->label, boundary->id) == 0)) {
		tm_buf_puts(out, " \"");
		sanitize(out, boundary->label);
		tm_buf_putc(out, '"');
	}
	const tm_attr *controls = tm_decl_attr(boundary->decl, "controls");
	if (controls && controls->value) {
		tm_buf text = TM_BUF_INIT;
		tm_render_value_text(&text, controls->value);
		if (text.len) {
			tm_buf_puts(out, " — controls: ");
			sanitize(out, tm_buf_str(&text));
		}
		tm_buf_free(&text);
	}
	tm_buf_putc(out, '\n');
	for (size_t i = 0; i < node->nflows; i++) {
		const tm_element *flow = node->flows[i];
		indent(out, depth + 1);
		flow_line(out, flow);
		if (flow->ncrossings > LISTED_CROSSINGS_MAX)
			tm_buf_printf(out, " (crosses %zu boundaries)", (size_t)flow->ncrossings);
		tm_buf_putc(out, '\n');
	}
	if (node->ncrossing > node->nflows) {
		size_t more = node->ncrossing - node->nflows;
		indent(out, depth + 1);
		tm_buf_printf(out, "(%s%zu flow%s listed under the boundaries inside it)\n",
		              node->nflows ? "and " : "", more, more == 1 ? "" : "s");
	} else if (!node->nflows) {
		indent(out, depth + 1);
		tm_buf_puts(out, "(no flow crosses it)\n");
	}
}

/* Each boundary under its outer one, depth first with an explicit stack
 * (nesting comes from references, so it has no syntactic depth limit). */
static void show_subtree(tm_buf *out, boundary_tree *tree, size_t root)
{
	typedef struct pending {
		size_t slot;
		int depth;
	} pending;
	pending *stack = NULL;
	size_t nstack = 0, capstack = 0;
	TM_VEC_PUSH(stack, nstack, capstack, ((pending){root, 1}));
	while (nstack) {
		pending top = stack[--nstack];
		boundary_node *node = &tree->nodes[top.slot];
		if (node->shown)
			continue;
		node->shown = true;
		boundary_lines(out, node, top.depth);
		for (size_t i = node->nchildren; i-- > 0;)
			if (!tree->nodes[node->children[i]].shown)
				TM_VEC_PUSH(stack, nstack, capstack,
				            ((pending){node->children[i], top.depth + 1}));
	}
	free(stack);
}

static void boundaries_section(tm_buf *out, const tm_model *model)
{
	tm_buf_puts(out, "\nTrust boundaries\n");
	boundary_tree tree;
	tree_build(&tree, model);
	if (!tree.count)
		tm_buf_puts(out, "  (none)\n");
	for (size_t slot = 0; slot < tree.count; slot++) {
		size_t outer = slot_of(&tree, tree.nodes[slot].boundary->outer);
		if (outer == NO_SLOT || outer == slot)
			show_subtree(out, &tree, slot);
	}
	/* A cycle of `outer` links (a broken model) has no root: show it anyway. */
	for (size_t slot = 0; slot < tree.count; slot++)
		if (!tree.nodes[slot].shown)
			show_subtree(out, &tree, slot);
	tree_free(&tree);
}

static const char *table_name(const char *const *names, size_t count, int index)
{
	return index >= 0 && (size_t)index < count && names[index] ? names[index] : "?";
}

static const char *element_cell(const tm_finding *finding)
{
	return finding->element_key && *finding->element_key ? finding->element_key : "-";
}

static void due_cell(char out[11], int32_t due)
{
	if (due == TM_NO_DATE)
		strcpy(out, "-");
	else
		tm_date_format(due, out);
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* tm_term_fit with the printable-ASCII shortcut. */
static size_t fit(tm_buf *out, const char *text, size_t max)
{
	if (text) {
		size_t len = plain_length(text);
		if (len != SIZE_MAX && len <= max && !tm_utf8_is_command(text, len)) {
			tm_buf_put(out, text, len);
			return len;
		}
	}
	return tm_term_fit(out, text, max);
}

/* Appends text padded with spaces to `width` columns (no padding when it
 * is the last column, so lines carry no trailing blanks). */
static void cell(tm_buf *out, const char *text, size_t width)
{
	size_t shown = fit(out, text, width);
	if (shown < width)
		tm_buf_fill(out, ' ', width - shown);
}

/* A column whose text is mostly the very string of the row before (the
 * title of a rule's findings, which the sort keeps together; a status):
 * the text of the last row, and how many bytes of it went out as they
 * are, or SIZE_MAX when it needed fitting. */
typedef struct same_text {
	const char *text;
	size_t plain;
} same_text;

static void repeated_cell(tm_buf *out, same_text *last, const char *text, size_t width)
{
	if (!text || text != last->text) {
		size_t len = text ? plain_length(text) : SIZE_MAX;
		last->text = text;
		last->plain =
		    len != SIZE_MAX && len <= width && !tm_utf8_is_command(text, len) ? len : SIZE_MAX;
	}
	if (last->plain == SIZE_MAX) {
		cell(out, text, width);
		return;
	}
	tm_buf_put(out, text, last->plain);
	if (last->plain < width)
		tm_buf_fill(out, ' ', width - last->plain);
}

/* What rows of one table remember from the row before. */
typedef struct row_memory {
	same_text title, status;
} row_memory;

typedef struct columns {
	size_t risk, id, element, title, status, due;
} columns;

/* What measuring a run of findings remembers: findings of one element,
 * one rule or one due date share the very string or date, so each is
 * measured once per run of them. */
typedef struct measure_state {
	const char *last_element, *last_title;
	int32_t last_due;
	bool measured_due;
} measure_state;

static columns columns_of_headings(void)
{
	return (columns){strlen("RISK"),  strlen("ID"),     strlen("ELEMENT"),
	                 strlen("TITLE"), strlen("STATUS"), strlen("DUE")};
}

static void measure_one(columns *col, measure_state *state, const tm_finding *finding)
{
	if (!state->measured_due || finding->due != state->last_due) {
		char due[11];
		due_cell(due, finding->due);
		col->due = max_size(col->due, strlen(due));
		state->last_due = finding->due;
		state->measured_due = true;
	}
	col->risk = max_size(col->risk, strlen(table_name(tm_risk_names, 5, (int)finding->risk)));
	col->id = max_size(col->id, text_width(finding->id));
	const char *element = element_cell(finding);
	if (element != state->last_element)
		col->element = max_size(col->element, text_width(element));
	state->last_element = element;
	if (finding->about->title != state->last_title)
		col->title = max_size(col->title, text_width(finding->about->title));
	state->last_title = finding->about->title;
	col->status = max_size(col->status, strlen(table_name(tm_status_names, 6, (int)finding->status)));
	if (finding->overdue)
		col->due = max_size(col->due, strlen("YYYY-MM-DD overdue"));
}

/* Narrows the columns to a terminal `width` columns wide (0: unlimited). */
static void fit_columns(columns *col, int width)
{
	if (width <= 0)
		return;
	/* two columns of margin, two between columns */
	size_t fixed = 2 + col->risk + 2 + col->id + 2 + col->element + 2 + 2 + col->status + 2 + col->due;
	size_t room = (size_t)width > fixed ? (size_t)width - fixed : 0;
	/* Columns give way to the title, the least useful first. ELEMENT is
	 * mostly repeated in the id after '@': it narrows down to
	 * MIN_ELEMENT_WIDTH for the whole title, and when the title still has
	 * less than it wants, the column goes (width 0). IDs are never cut,
	 * they are what people copy into mitigations; the title is cut last. */
	if (room < col->title && col->element > MIN_ELEMENT_WIDTH) {
		size_t give = col->element - MIN_ELEMENT_WIDTH;
		if (give > col->title - room)
			give = col->title - room;
		col->element -= give;
		room += give;
	}
	size_t wanted = col->title < WANTED_TITLE_WIDTH ? col->title : WANTED_TITLE_WIDTH;
	if (room < wanted) {
		room += col->element + 2;
		col->element = 0;
	}
	if (room < MIN_TITLE_WIDTH)
		room = MIN_TITLE_WIDTH;
	if (col->title > room)
		col->title = room;
}

/* The widths the findings from..to need, before fitting to a terminal. */
static columns measure_range(const tm_findings *findings, size_t from, size_t to)
{
	columns col = columns_of_headings();
	measure_state state = {0};
	for (size_t i = from; i < to; i++)
		measure_one(&col, &state, &findings->items[i]);
	return col;
}

static columns measure(const tm_findings *findings, int width)
{
	columns col = measure_range(findings, 0, findings->count);
	fit_columns(&col, width);
	return col;
}

static columns measure_list(const tm_finding *const *list, size_t count, int width)
{
	columns col = columns_of_headings();
	measure_state state = {0};
	for (size_t i = 0; i < count; i++)
		measure_one(&col, &state, list[i]);
	fit_columns(&col, width);
	return col;
}

/* One row of the table, and the finding's detail under it when `detail`. */
static void finding_row(tm_buf *out, const tm_finding *finding, const columns *col,
                        const tm_render_options *opts, bool detail, row_memory *memory)
{
	const char *risk = table_name(tm_risk_names, 5, (int)finding->risk);
	char due[11];
	due_cell(due, finding->due);
	tm_buf_puts(out, "  ");
	bool color = opts->color && finding->risk <= TM_RISK_CRITICAL;
	if (color)
		tm_buf_puts(out, risk_colors[finding->risk]);
	tm_buf_puts(out, risk);
	if (color)
		tm_buf_puts(out, COLOR_RESET);
	tm_buf_fill(out, ' ', col->risk - strlen(risk) + 2);
	cell(out, finding->id, col->id);
	tm_buf_puts(out, "  ");
	if (col->element) {
		cell(out, element_cell(finding), col->element);
		tm_buf_puts(out, "  ");
	}
	repeated_cell(out, &memory->title, finding->about->title, col->title);
	tm_buf_puts(out, "  ");
	repeated_cell(out, &memory->status, table_name(tm_status_names, 6, (int)finding->status),
	              col->status);
	tm_buf_puts(out, "  ");
	tm_buf_puts(out, due);
	if (finding->overdue)
		tm_buf_puts(out, " overdue");
	tm_buf_putc(out, '\n');
	if (detail && finding->detail && *finding->detail) {
		size_t at = 2 + col->risk + 2 + 2; /* under the ID column, two further in */
		tm_buf_fill(out, ' ', at);
		size_t room = (size_t)-1;
		if (opts->width > 0)
			room = (size_t)opts->width > at + MIN_TITLE_WIDTH ? (size_t)opts->width - at
			                                                  : MIN_TITLE_WIDTH;
		fit(out, finding->detail, room);
		tm_buf_putc(out, '\n');
	}
}

static void rows(tm_buf *out, const tm_findings *findings, size_t from, size_t to, const columns *col,
                 const tm_render_options *opts)
{
	row_memory memory = {{NULL, 0}, {NULL, 0}};
	for (size_t i = from; i < to; i++)
		finding_row(out, &findings->items[i], col, opts, true, &memory);
}

static void column_headings(tm_buf *out, const columns *col)
{
	tm_buf_puts(out, "  ");
	cell(out, "RISK", col->risk);
	tm_buf_puts(out, "  ");
	cell(out, "ID", col->id);
	tm_buf_puts(out, "  ");
	if (col->element) {
		cell(out, "ELEMENT", col->element);
		tm_buf_puts(out, "  ");
	}
	cell(out, "TITLE", col->title);
	tm_buf_puts(out, "  ");
	cell(out, "STATUS", col->status);
	tm_buf_puts(out, "  DUE\n");
}

static void table_heading(tm_buf *out, const columns *col)
{
	tm_buf_puts(out, "\nFindings\n");
	column_headings(out, col);
}

/* `12 findings: 1 CRITICAL, 3 HIGH, 5 MEDIUM, 2 LOW, 1 INFO — 8 open, 2 planned`:
 * all five risk counts always (so the line reads the same every time), the
 * statuses only when some finding has them. */
static void counts_line(tm_buf *out, const tm_summary *summary)
{
	plural(out, summary->total, "finding", "findings");
	const char *sep = ": ";
	for (int risk = TM_RISK_CRITICAL; risk >= TM_RISK_INFO; risk--) {
		tm_buf_printf(out, "%s%zu %s", sep, summary->by_risk[risk], tm_risk_names[risk]);
		sep = ", ";
	}
	sep = " — ";
	for (int status = TM_STATUS_OPEN; status <= TM_STATUS_FALSE_POSITIVE; status++) {
		if (!summary->by_status[status])
			continue;
		tm_buf_printf(out, "%s%zu %s", sep, summary->by_status[status], tm_status_names[status]);
		sep = ", ";
	}
	tm_buf_putc(out, '\n');
}

static void totals(tm_buf *out, const tm_summary *summary)
{
	if (!summary->total) {
		tm_buf_puts(out, "\nNo findings.\n");
		return;
	}
	tm_buf_putc(out, '\n');
	counts_line(out, summary);
}

static void finding_list(tm_buf *out, const tm_finding *const *list, size_t count,
                         const tm_render_options *opts)
{
	columns col = measure_list(list, count, opts->width);
	column_headings(out, &col);
	row_memory memory = {{NULL, 0}, {NULL, 0}};
	for (size_t i = 0; i < count; i++)
		finding_row(out, list[i], &col, opts, false, &memory);
}

/* `    web, api, db, …` and `    and 4 more: threats where …`: the
 * elements of a group, wrapped at the terminal's width (WRAP_WIDTH when
 * unlimited), and the query that lists them all. */
static void group_elements(tm_buf *out, const tm_summary_group *group, const tm_render_options *opts)
{
	size_t wrap = opts->width > 0 ? (size_t)opts->width : WRAP_WIDTH;
	size_t shown = group->count < SHOWN_GROUP_ELEMENTS ? group->count : SHOWN_GROUP_ELEMENTS;
	size_t column = GROUP_INDENT;
	tm_buf_fill(out, ' ', GROUP_INDENT);
	for (size_t i = 0; i < shown; i++) {
		const char *key = group->findings[i]->element_key;
		size_t width = text_width(key);
		if (i) {
			tm_buf_putc(out, ',');
			column++;
			if (column + 1 + width > wrap) {
				tm_buf_putc(out, '\n');
				tm_buf_fill(out, ' ', GROUP_INDENT);
				column = GROUP_INDENT;
			} else {
				tm_buf_putc(out, ' ');
				column++;
			}
		}
		sanitize(out, key);
		column += width;
	}
	if (shown < group->count) {
		tm_buf_putc(out, '\n');
		tm_buf_fill(out, ' ', GROUP_INDENT);
		tm_buf_printf(out, "and %zu more: threats where rule = ", group->count - shown);
		sanitize(out, group->rule);
		tm_buf_printf(out, " and risk = %s and status = %s", tm_risk_names[group->risk],
		              tm_status_names[group->status]);
	}
	tm_buf_putc(out, '\n');
}

/* `  HIGH  STRIDE-T-01 on 14 flows (open, 2 overdue): Title` and its elements. */
static void group_lines(tm_buf *out, const tm_summary *summary, const tm_render_options *opts)
{
	tm_buf_printf(out, "\nRepeated findings (one rule, risk and status on %d or more elements)\n",
	              TM_SUMMARY_GROUP_MIN);
	for (size_t k = 0; k < summary->ngroups; k++) {
		const tm_summary_group *group = &summary->groups[k];
		tm_buf_puts(out, "  ");
		bool color = opts->color;
		if (color)
			tm_buf_puts(out, risk_colors[group->risk]);
		tm_buf_puts(out, tm_risk_names[group->risk]);
		if (color)
			tm_buf_puts(out, COLOR_RESET);
		tm_buf_puts(out, "  ");
		sanitize(out, group->rule);
		char counts[128];
		int written = snprintf(counts, sizeof counts, " on %zu %s (%s", group->count, group->noun,
		                       tm_status_names[group->status]);
		if (group->overdue && written > 0 && (size_t)written < sizeof counts)
			snprintf(counts + written, sizeof counts - (size_t)written, ", %zu overdue)",
			         group->overdue);
		else if (written > 0 && (size_t)written < sizeof counts)
			snprintf(counts + written, sizeof counts - (size_t)written, ")");
		tm_buf_puts(out, counts);
		if (group->about && group->about->title && *group->about->title) {
			tm_buf_puts(out, ": ");
			/* the title gets what is left of the line, as in the table */
			size_t used = 2 + strlen(tm_risk_names[group->risk]) + 2 + text_width(group->rule) +
			              strlen(counts) + 2;
			size_t room = (size_t)-1;
			if (opts->width > 0)
				room = (size_t)opts->width > used + MIN_TITLE_WIDTH
				           ? (size_t)opts->width - used
				           : MIN_TITLE_WIDTH;
			fit(out, group->about->title, room);
		}
		tm_buf_putc(out, '\n');
		group_elements(out, group, opts);
	}
}

/* The summary the text opens with: counts, the highest open risks, the
 * overdue findings and the repeated ones (risk/summary.h). */
static void summary_section(tm_buf *out, const tm_summary *summary, const tm_render_options *opts)
{
	if (!summary->total)
		return;
	tm_buf_puts(out, "\nSummary\n  ");
	counts_line(out, summary);
	tm_buf_printf(out, "  %zu overdue\n", summary->noverdue);
	if (summary->ntop) {
		tm_buf_puts(out, "\nHighest open risks\n");
		finding_list(out, summary->top, summary->ntop, opts);
	}
	if (summary->noverdue) {
		size_t shown = summary->noverdue < SHOWN_OVERDUE ? summary->noverdue : SHOWN_OVERDUE;
		tm_buf_puts(out, "\nOverdue\n");
		finding_list(out, summary->overdue, shown, opts);
		if (shown < summary->noverdue)
			tm_buf_printf(out, "  and %zu more: threats where overdue = true\n",
			              summary->noverdue - shown);
	}
	if (summary->ngroups)
		group_lines(out, summary, opts);
}

/* A part of the report written on another thread, into a buffer of its
 * own. */
typedef struct text_job {
	tm_task task;
	tm_buf buf;
	const tm_model *model;
	const tm_findings *findings;
	size_t from, to;
	const columns *col;
	const tm_render_options *opts;
	columns measured;
} text_job;

static void model_sections_of_job(void *arg)
{
	text_job *job = arg;
	boundaries_section(&job->buf, job->model);
}

static void rows_of_job(void *arg)
{
	text_job *job = arg;
	rows(&job->buf, job->findings, job->from, job->to, job->col, job->opts);
}

static void measure_of_job(void *arg)
{
	text_job *job = arg;
	job->measured = measure_range(job->findings, job->from, job->to);
}

/* measure() with the second half measured on another thread: a column's
 * width is the larger of the two halves'. */
static columns measure_in_halves(const tm_findings *findings, int width)
{
	size_t half = findings->count / 2;
	text_job second = {.findings = findings, .from = half, .to = findings->count};
	tm_task_start(&second.task, measure_of_job, &second);
	columns col = measure_range(findings, 0, half);
	tm_task_wait(&second.task);
	const columns *b = &second.measured;
	col = (columns){max_size(col.risk, b->risk),       max_size(col.id, b->id),
	                max_size(col.element, b->element), max_size(col.title, b->title),
	                max_size(col.status, b->status),   max_size(col.due, b->due)};
	fit_columns(&col, width);
	return col;
}

/* A large report on two threads: the model's sections on another thread
 * from the start, while this one works out the summary (into *summary)
 * and the measure, half of which goes to a third; then the
 * table in runs of ROW_CHUNK rows, two at a time: this thread writes run
 * i straight to `out` while the other renders run i + 1 into a buffer,
 * which goes out next and is then used again. When `out` writes to a
 * file as it fills, the report holds at most two runs of its table in
 * memory, not the whole table (hundreds of megabytes for a million
 * findings). */
static void large_report(tm_buf *out, const tm_model *model, const tm_findings *findings, tm_summary *summary,
                         const tm_render_options *opts)
{
	text_job sections = {.model = model};
	if (model)
		tm_task_start(&sections.task, model_sections_of_job, &sections);
	tm_summary_compute_listing(summary, findings, SHOWN_LISTED);
	size_t count = findings->count;
	columns col = measure_in_halves(findings, opts->width);
	if (model) {
		header(out, model);
		summary_section(out, summary, opts);
		tm_task_wait(&sections.task);
		tm_buf_take(out, &sections.buf);
	}
	table_heading(out, &col);
	text_job next = {.findings = findings, .col = &col, .opts = opts};
	for (size_t from = 0; from < count; from += 2 * ROW_CHUNK) {
		size_t to = count - from > ROW_CHUNK ? from + ROW_CHUNK : count;
		next.from = to;
		next.to = count - to > ROW_CHUNK ? to + ROW_CHUNK : count;
		bool more = next.from < next.to;
		if (more)
			tm_task_start(&next.task, rows_of_job, &next);
		rows(out, findings, from, to, &col, opts);
		if (more) {
			tm_task_wait(&next.task);
			tm_buf_append(out, &next.buf);
		}
	}
	tm_buf_free(&next.buf);
}

void tm_render_check_text(tm_buf *out, const tm_model *model, const tm_findings *findings,
                          const tm_render_options *opts)
{
	static const tm_render_options plain = {false, 0};
	static const tm_findings none = {0};
	if (!opts)
		opts = &plain;
	if (!findings)
		findings = &none;
	tm_summary summary;
	if (findings->count >= PARALLEL_ROWS) {
		large_report(out, model, findings, &summary, opts);
	} else {
		tm_summary_compute_listing(&summary, findings, SHOWN_LISTED);
		if (model) {
			header(out, model);
			summary_section(out, &summary, opts);
			boundaries_section(out, model);
		}
		if (findings->count) {
			columns col = measure(findings, opts->width);
			table_heading(out, &col);
			rows(out, findings, 0, findings->count, &col, opts);
		}
	}
	totals(out, &summary);
	tm_summary_free(&summary);
}
