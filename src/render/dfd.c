/* The data-flow diagram as Graphviz DOT and as a Mermaid flowchart, after
 * the team's DFD conventions: an external entity is a rectangle, a process
 * a rounded box, a store a cylinder, a flow a labelled arrow (both heads
 * for <->), a trust boundary a dashed cluster nested as declared; a flow
 * that crosses a boundary is drawn bold and red; each element is filled
 * with the colour of its highest open risk (the heat map, with a legend).
 *
 * Both formats share one layout computed here: which elements are visible
 * at the level, which are drawn as clusters, which container (boundary or
 * expanded process) each one sits in, and the arrows after roll-up and
 * merging. Nodes are named n<index> so no model id reaches the syntax.
 *
 * At Level 1 the process tree wins over the boundaries: a child is always
 * drawn inside its parent's cluster. A boundary of the child that does not
 * already enclose the parent is drawn there too, as a fragment of the
 * boundary (a second frame with the same key) inside the parent's cluster;
 * so a boundary holding children of several processes, or children and
 * top-level elements, is drawn as one frame per process cluster. A flow
 * between a process and its own descendant ends at an anchor, a small dot
 * that stands for the process itself inside its cluster (n<index> of the
 * process in both formats), because neither Graphviz (lhead) nor Mermaid
 * (a link to the subgraph) can end an arrow at a cluster from inside it. */
#include "render/report.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "render/escape.h"
#include "render/term.h"

/* Deeper boundary or parent chains than this are treated as broken. */
#define MAX_DEPTH 64
#define NONE      (-1)
#define NODE_WRAP 24
#define EDGE_WRAP 30
/* Code points of one label: Graphviz refuses an HTML label over 16 KiB or a
 * node over 65535 points wide, so a longer text is cut with an ellipsis. */
#define MAX_LABEL 1000

enum role { ROLE_HIDDEN, ROLE_NODE, ROLE_CLUSTER, ROLE_BOUNDARY };

typedef struct edge {
	size_t src, dst; /* element indices of the visible ends */
	bool bidirectional;
	bool crossing;
	size_t first_flow; /* model order of its first flow, for a stable order */
	size_t *flows;     /* element indices of the flows merged into it */
	size_t nflows, capflows;
	int risk; /* highest open risk on its flows, NONE without */
	size_t nopen;
} edge;

/* A boundary drawn inside a process cluster (see the top of the file). */
typedef struct fragment {
	size_t boundary, scope;
} fragment;

typedef struct layout {
	const tm_model *model;
	int level;
	size_t n;
	/* container slots: elements 0..n-1, the top n, then the fragments
	 * n+1+k; role, container, content, rep and members have one entry per
	 * slot, the other per-element arrays n+1 */
	size_t nslots;
	fragment *frags;
	size_t nfrags, capfrags;
	bool *anchor; /* cluster -> drawn with an anchor for flows to the process itself */
	int *role;
	size_t *vis;       /* element -> visible element (node or cluster), or SIZE_MAX */
	size_t *container; /* node, cluster, boundary -> its container, or SIZE_MAX (top) */
	bool *content;     /* container holds a node somewhere inside */
	size_t *rep;       /* container -> a node inside it (for DOT's lhead/ltail) */
	int *risk;         /* visible element -> highest open risk, NONE without */
	size_t *nopen;     /* visible element -> open findings on it (rolled up) */
	size_t **members;  /* container (or n for the top) -> what it holds, in model order */
	size_t *nmembers, *capmembers;
	size_t *edge_of_flow; /* flow -> its edge, or SIZE_MAX */
	edge *edges;
	size_t nedges;
	bool any_risk[5];
	bool any_crossing;
	bool any_anchor;
} layout;

/* ORDER RISK: fill, text colour, and a light tint for expanded processes */
static const char *const risk_fill[5] = {"#d6eaf8", "#a9dfbf", "#f9e79f", "#f5b041", "#e74c3c"};
static const char *const risk_text[5] = {"#1b2631", "#1b2631", "#1b2631", "#1b2631", "#ffffff"};
static const char *const risk_tint[5] = {"#f4f9fd", "#f1faf4", "#fefbea", "#fef4e6", "#fdeceb"};
#define CROSSING_COLOR "#b03a2e"
#define BOUNDARY_COLOR "#c0392b"
#define FLOW_COLOR     "#717d7e"

static size_t index_of(const tm_model *model, const tm_element *el)
{
	if (!el)
		return SIZE_MAX;
	if (el->index < model->nelements && model->elements[el->index] == el)
		return el->index;
	for (size_t i = 0; i < model->nelements; i++)
		if (model->elements[i] == el)
			return i;
	return SIZE_MAX;
}

static bool is_box(const tm_element *el)
{
	return el && (el->kind == TM_EL_EXTERNAL || el->kind == TM_EL_PROCESS || el->kind == TM_EL_STORE);
}

static int depth_of(const tm_element *el)
{
	int depth = 0;
	while (el && el->parent && depth < MAX_DEPTH) {
		el = el->parent;
		depth++;
	}
	return depth;
}

/* The element drawn for el at this level: itself, or its ancestor at the
 * level's depth. */
static const tm_element *visible_of(const tm_element *el, int level)
{
	int depth = depth_of(el);
	while (el && el->parent && depth > level) {
		el = el->parent;
		depth--;
	}
	return el;
}

static void add_member(layout *lay, size_t container, size_t member)
{
	size_t slot = container == SIZE_MAX ? lay->n : container;
	TM_VEC_PUSH(lay->members[slot], lay->nmembers[slot], lay->capmembers[slot], member);
}

static bool inside(const layout *lay, size_t el, size_t container)
{
	size_t c = lay->container[el];
	for (int depth = 0; c != SIZE_MAX && depth < MAX_DEPTH; depth++) {
		if (c == container)
			return true;
		c = lay->container[c];
	}
	return false;
}

static bool reaches_top(const layout *lay, size_t el)
{
	size_t c = lay->container[el];
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		if (c == SIZE_MAX)
			return true;
		c = lay->container[c];
	}
	return false;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

typedef struct flow_key {
	size_t src, dst, flow;
	bool bidirectional;
} flow_key;

static int cmp_flow_key(const void *a, const void *b)
{
	const flow_key *x = a, *y = b;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	if (x->bidirectional != y->bidirectional)
		return x->bidirectional ? 1 : -1;
	return x->flow < y->flow ? -1 : x->flow > y->flow;
}

static int cmp_edge(const void *a, const void *b)
{
	const edge *x = a, *y = b;
	return x->first_flow < y->first_flow ? -1 : x->first_flow > y->first_flow;
}

/* Does an arrow join the process el to something drawn inside its own
 * cluster? Then that end is the process's anchor. */
static bool self_end(const layout *lay, size_t el, size_t other)
{
	return lay->role[el] == ROLE_CLUSTER && inside(lay, other, el);
}

static void build_edges(layout *lay)
{
	const tm_model *model = lay->model;
	flow_key *keys = tm_xcalloc(lay->n + 1, sizeof *keys);
	size_t nkeys = 0;
	for (size_t i = 0; i < lay->n; i++) {
		const tm_element *flow = model->elements[i];
		if (!flow || flow->kind != TM_EL_FLOW)
			continue;
		size_t s = index_of(model, visible_of(flow->source, lay->level));
		size_t t = index_of(model, visible_of(flow->target, lay->level));
		if (s == SIZE_MAX || t == SIZE_MAX || s == t)
			continue; /* inside one element at this level */
		flow_key key = {s, t, i, flow->bidirectional};
		if (key.bidirectional && s > t) {
			key.src = t;
			key.dst = s;
		}
		keys[nkeys++] = key;
	}
	qsort(keys, nkeys, sizeof *keys, cmp_flow_key);
	lay->edges = tm_xcalloc(nkeys + 1, sizeof *lay->edges);
	for (size_t k = 0; k < nkeys; k++) {
		edge *e = lay->nedges ? &lay->edges[lay->nedges - 1] : NULL;
		if (!e || e->src != keys[k].src || e->dst != keys[k].dst ||
		    e->bidirectional != keys[k].bidirectional) {
			e = &lay->edges[lay->nedges++];
			e->src = keys[k].src;
			e->dst = keys[k].dst;
			e->bidirectional = keys[k].bidirectional;
			e->first_flow = keys[k].flow;
			e->risk = NONE;
		}
		TM_VEC_PUSH(e->flows, e->nflows, e->capflows, keys[k].flow);
		if (keys[k].flow < e->first_flow)
			e->first_flow = keys[k].flow;
		if (model->elements[keys[k].flow]->ncrossings) {
			e->crossing = true;
			lay->any_crossing = true;
		}
	}
	free(keys);
	qsort(lay->edges, lay->nedges, sizeof *lay->edges, cmp_edge);
	for (size_t e = 0; e < lay->nedges; e++) {
		qsort(lay->edges[e].flows, lay->edges[e].nflows, sizeof(size_t), cmp_size);
		for (size_t f = 0; f < lay->edges[e].nflows; f++)
			lay->edge_of_flow[lay->edges[e].flows[f]] = e;
		if (self_end(lay, lay->edges[e].src, lay->edges[e].dst))
			lay->anchor[lay->edges[e].src] = lay->any_anchor = true;
		if (self_end(lay, lay->edges[e].dst, lay->edges[e].src))
			lay->anchor[lay->edges[e].dst] = lay->any_anchor = true;
	}
}

static void heat(layout *lay, const tm_findings *findings)
{
	for (size_t i = 0; findings && i < findings->count; i++) {
		const tm_finding *finding = &findings->items[i];
		if (!finding->element || !tm_render_finding_is_open(finding))
			continue;
		int risk = (int)finding->risk;
		if (risk < 0 || risk > TM_RISK_CRITICAL)
			continue;
		size_t el = index_of(lay->model, finding->element);
		if (el == SIZE_MAX)
			continue;
		if (finding->element->kind == TM_EL_FLOW) {
			size_t e = lay->edge_of_flow[el];
			if (e == SIZE_MAX)
				continue;
			if (risk > lay->edges[e].risk)
				lay->edges[e].risk = risk;
			lay->edges[e].nopen++;
			continue;
		}
		if (!is_box(finding->element))
			continue;
		size_t v = lay->vis[el];
		if (v == SIZE_MAX)
			continue;
		if (risk > lay->risk[v])
			lay->risk[v] = risk;
		lay->nopen[v]++;
	}
	/* the legend lists the colours that are drawn */
	for (size_t i = 0; i < lay->n; i++)
		if ((lay->role[i] == ROLE_NODE || (lay->role[i] == ROLE_CLUSTER && lay->content[i])) &&
		    lay->risk[i] != NONE)
			lay->any_risk[lay->risk[i]] = true;
}

/* The process cluster an element is drawn in, or SIZE_MAX at the top. */
static size_t scope_of(const layout *lay, size_t el)
{
	size_t parent = index_of(lay->model, lay->model->elements[el]->parent);
	return parent != SIZE_MAX && lay->role[parent] == ROLE_CLUSTER ? parent : SIZE_MAX;
}

/* The boundaries el lies in: its innermost one and that one's outers,
 * innermost first, into chain (MAX_DEPTH entries); returns how many. */
static size_t chain_of(const layout *lay, size_t el, size_t *chain)
{
	const tm_element *e = lay->model->elements[el];
	const tm_element *b = e->nboundaries ? e->boundaries[0] : NULL;
	size_t len = 0;
	for (; b && len < MAX_DEPTH; b = b->outer) {
		size_t i = index_of(lay->model, b);
		if (i == SIZE_MAX || lay->role[i] != ROLE_BOUNDARY)
			break;
		for (size_t k = 0; k < len; k++)
			if (chain[k] == i)
				return len;
		chain[len++] = i;
	}
	return len;
}

/* Is boundary b already drawn around everything in the cluster scope, as
 * a boundary of the process or of a process around it? */
static bool encloses(const layout *lay, size_t b, size_t scope)
{
	size_t chain[MAX_DEPTH];
	for (int depth = 0; scope != SIZE_MAX && depth < MAX_DEPTH; depth++) {
		size_t len = chain_of(lay, scope, chain);
		for (size_t k = 0; k < len; k++)
			if (chain[k] == b)
				return true;
		scope = scope_of(lay, scope);
	}
	return false;
}

/* The slot of boundary b's fragment inside cluster scope, added when new. */
static size_t fragment_of(layout *lay, size_t b, size_t scope)
{
	for (size_t k = 0; k < lay->nfrags; k++)
		if (lay->frags[k].boundary == b && lay->frags[k].scope == scope)
			return lay->n + 1 + k;
	fragment f = {b, scope};
	TM_VEC_PUSH(lay->frags, lay->nfrags, lay->capfrags, f);
	return lay->n + lay->nfrags;
}

/* The element whose name and label a slot shows: a fragment shows its boundary. */
static size_t element_of(const layout *lay, size_t slot)
{
	return slot > lay->n ? lay->frags[slot - lay->n - 1].boundary : slot;
}

static void layout_build(layout *lay, const tm_model *model, const tm_findings *findings, int level)
{
	memset(lay, 0, sizeof *lay);
	lay->model = model;
	lay->level = level < 0 ? 0 : level;
	size_t n = lay->n = model->nelements;
	lay->role = tm_xcalloc(n + 1, sizeof *lay->role);
	lay->vis = tm_xmalloc((n + 1) * sizeof *lay->vis);
	lay->anchor = tm_xcalloc(n + 1, sizeof *lay->anchor);
	lay->risk = tm_xmalloc((n + 1) * sizeof *lay->risk);
	lay->nopen = tm_xcalloc(n + 1, sizeof *lay->nopen);
	lay->edge_of_flow = tm_xmalloc((n + 1) * sizeof *lay->edge_of_flow);
	for (size_t i = 0; i <= n; i++) {
		lay->vis[i] = lay->edge_of_flow[i] = SIZE_MAX;
		lay->risk[i] = NONE;
	}
	for (size_t i = 0; i < n; i++) {
		const tm_element *el = model->elements[i];
		if (!el)
			continue;
		if (el->kind == TM_EL_BOUNDARY) {
			lay->role[i] = ROLE_BOUNDARY;
			continue;
		}
		if (!is_box(el))
			continue;
		lay->vis[i] = index_of(model, visible_of(el, lay->level));
		if (lay->vis[i] != i)
			continue;
		bool expanded = el->kind == TM_EL_PROCESS && el->nchildren > 0 && depth_of(el) < lay->level;
		lay->role[i] = expanded ? ROLE_CLUSTER : ROLE_NODE;
	}
	/* containers: a boundary sits in its outer boundary; a top-level
	 * element in its innermost boundary; a child in its parent's cluster,
	 * inside fragments of those of its boundaries the cluster does not
	 * already lie in. The fragments are found first, then every slot. */
	size_t *holder = tm_xmalloc((n + 1) * sizeof *holder);
	size_t chain[MAX_DEPTH];
	for (size_t i = 0; i < n; i++) {
		holder[i] = SIZE_MAX;
		if (lay->role[i] == ROLE_BOUNDARY) {
			size_t outer = index_of(model, model->elements[i]->outer);
			if (outer != i && outer != SIZE_MAX && lay->role[outer] == ROLE_BOUNDARY)
				holder[i] = outer;
		} else if (lay->role[i] == ROLE_NODE || lay->role[i] == ROLE_CLUSTER) {
			size_t scope = scope_of(lay, i);
			size_t len = chain_of(lay, i, chain);
			if (scope == SIZE_MAX) {
				holder[i] = len ? chain[0] : SIZE_MAX;
				continue;
			}
			size_t cut = 0;
			while (cut < len && !encloses(lay, chain[cut], scope))
				cut++;
			holder[i] = scope;
			for (size_t k = cut; k-- > 0;)
				holder[i] = fragment_of(lay, chain[k], scope);
		}
	}
	size_t slots = lay->nslots = n + 1 + lay->nfrags;
	lay->role = tm_xrealloc(lay->role, slots * sizeof *lay->role);
	lay->container = tm_xmalloc(slots * sizeof *lay->container);
	lay->content = tm_xcalloc(slots, sizeof *lay->content);
	lay->rep = tm_xmalloc(slots * sizeof *lay->rep);
	lay->members = tm_xcalloc(slots, sizeof *lay->members);
	lay->nmembers = tm_xcalloc(slots, sizeof *lay->nmembers);
	lay->capmembers = tm_xcalloc(slots, sizeof *lay->capmembers);
	for (size_t i = 0; i < slots; i++) {
		lay->container[i] = i < n ? holder[i] : SIZE_MAX;
		lay->rep[i] = SIZE_MAX;
	}
	lay->role[n] = ROLE_HIDDEN;
	for (size_t k = 0; k < lay->nfrags; k++) {
		/* a fragment sits in the fragment of its outer boundary in the same
		 * cluster, or in the cluster itself when that one encloses it */
		size_t slot = n + 1 + k, scope = lay->frags[k].scope;
		size_t outer = lay->container[lay->frags[k].boundary];
		lay->role[slot] = ROLE_BOUNDARY;
		lay->container[slot] = scope;
		if (outer != SIZE_MAX && !encloses(lay, outer, scope))
			for (size_t f = 0; f < lay->nfrags; f++)
				if (lay->frags[f].boundary == outer && lay->frags[f].scope == scope)
					lay->container[slot] = n + 1 + f;
	}
	free(holder);
	/* a container is drawn only when a node sits somewhere inside it */
	for (size_t i = 0; i < n; i++) {
		if (lay->role[i] != ROLE_NODE)
			continue;
		size_t c = lay->container[i];
		for (int depth = 0; c != SIZE_MAX && depth < MAX_DEPTH; depth++) {
			lay->content[c] = true;
			if (lay->rep[c] == SIZE_MAX)
				lay->rep[c] = i;
			c = lay->container[c];
		}
	}
	for (size_t i = 0; i < slots; i++) {
		if (lay->role[i] == ROLE_NODE || (lay->role[i] != ROLE_HIDDEN && lay->content[i])) {
			size_t c = lay->container[i];
			/* a chain that never reaches the top (a cycle) is cut there */
			if (c != SIZE_MAX && !reaches_top(lay, i))
				c = SIZE_MAX;
			add_member(lay, c, i);
		}
	}
	build_edges(lay);
	heat(lay, findings);
}

static void layout_free(layout *lay)
{
	for (size_t i = 0; i < lay->nslots; i++)
		free(lay->members[i]);
	for (size_t e = 0; e < lay->nedges; e++)
		free(lay->edges[e].flows);
	free(lay->edges);
	free(lay->members);
	free(lay->nmembers);
	free(lay->capmembers);
	free(lay->edge_of_flow);
	free(lay->frags);
	free(lay->anchor);
	free(lay->role);
	free(lay->vis);
	free(lay->container);
	free(lay->content);
	free(lay->rep);
	free(lay->risk);
	free(lay->nopen);
}

/* text cut to MAX_LABEL code points into tmp; returns tmp's text */
static const char *clip(tm_buf *tmp, const char *text)
{
	size_t len = text ? strlen(text) : 0, used = 0;
	for (size_t count = 0; used < len && count < MAX_LABEL; count++) {
		uint32_t cp;
		used += tm_utf8_next(text + used, len - used, &cp);
	}
	tm_buf_clear(tmp);
	tm_buf_put(tmp, text ? text : "", used);
	if (used < len)
		tm_buf_puts(tmp, "…");
	return tm_buf_str(tmp);
}

static void dot_html(tm_buf *out, const char *text)
{
	tm_buf tmp = TM_BUF_INIT;
	tm_esc_dot_html(out, clip(&tmp, text));
	tm_buf_free(&tmp);
}

static void dot_text(tm_buf *out, const char *text)
{
	tm_buf tmp = TM_BUF_INIT;
	tm_esc_dot(out, clip(&tmp, text));
	tm_buf_free(&tmp);
}

static void mermaid_text(tm_buf *out, const char *text)
{
	tm_buf tmp = TM_BUF_INIT;
	tm_esc_mermaid(out, clip(&tmp, text));
	tm_buf_free(&tmp);
}

static const char *label_of(const tm_element *el)
{
	if (el->label && *el->label)
		return el->label;
	return el->key ? el->key : "";
}

/* The text of an arrow: its flows' labels, one paragraph each. */
static void edge_text(tm_buf *out, const layout *lay, const edge *e, size_t wrap)
{
	for (size_t f = 0; f < e->nflows; f++) {
		const tm_element *flow = lay->model->elements[e->flows[f]];
		if (f)
			tm_buf_putc(out, '\n');
		if (wrap)
			tm_esc_wrap(out, label_of(flow), wrap);
		else
			tm_buf_puts(out, label_of(flow));
	}
	if (e->risk != NONE) {
		tm_buf_puts(out, "\nrisk: ");
		tm_buf_puts(out, tm_risk_names[e->risk]);
	}
}

/* ---------------------------------------------------------------- DOT */

static void dot_indent(tm_buf *out, int depth)
{
	tm_buf_fill(out, '\t', (size_t)depth + 1);
}

static void dot_node(tm_buf *out, const layout *lay, size_t i, int depth)
{
	const tm_element *el = lay->model->elements[i];
	int risk = lay->risk[i];
	tm_buf wrapped = TM_BUF_INIT;
	dot_indent(out, depth);
	tm_buf_printf(out, "n%zu [", i);
	switch (el->kind) {
	case TM_EL_EXTERNAL: tm_buf_puts(out, "shape=box, style=\"filled\", penwidth=1.6, "); break;
	case TM_EL_STORE: tm_buf_puts(out, "shape=cylinder, style=\"filled\", "); break;
	default: tm_buf_puts(out, "shape=box, style=\"rounded,filled\", "); break;
	}
	tm_buf_printf(out, "fillcolor=\"%s\", fontcolor=\"%s\", ", risk == NONE ? "#ffffff" : risk_fill[risk],
	              risk == NONE ? "#1b2631" : risk_text[risk]);
	tm_buf_puts(out, "label=<<B>");
	tm_esc_wrap(&wrapped, label_of(el), NODE_WRAP);
	dot_html(out, tm_buf_str(&wrapped));
	tm_buf_puts(out, "</B><BR/><FONT POINT-SIZE=\"9\">");
	dot_html(out, el->key ? el->key : "");
	if (risk != NONE)
		tm_buf_printf(out, " · %s", tm_risk_names[risk]);
	tm_buf_puts(out, "</FONT>>, tooltip=\"");
	dot_text(out, tm_element_kind_names[el->kind]);
	tm_buf_putc(out, ' ');
	dot_text(out, el->key ? el->key : "");
	if (risk != NONE)
		tm_buf_printf(out, ": %zu open finding%s, highest %s", lay->nopen[i],
		              lay->nopen[i] == 1 ? "" : "s", tm_risk_names[risk]);
	tm_buf_puts(out, "\"];\n");
	tm_buf_free(&wrapped);
}

/* The anchor of a process: a small dot inside its cluster for the arrows
 * between the process itself and its children. */
static void dot_anchor(tm_buf *out, const layout *lay, size_t i, int depth)
{
	const tm_element *el = lay->model->elements[i];
	dot_indent(out, depth);
	tm_buf_printf(out, "n%zu [shape=point, width=0.12, color=\"#566573\", tooltip=\"process ", i);
	dot_text(out, el->key ? el->key : "");
	tm_buf_puts(out, " itself\"];\n");
}

static void dot_cluster_name(tm_buf *out, const layout *lay, size_t slot)
{
	if (slot > lay->n)
		tm_buf_printf(out, "cluster_%zu_%zu", element_of(lay, slot),
		              lay->frags[slot - lay->n - 1].scope);
	else
		tm_buf_printf(out, "cluster_%zu", slot);
}

static void dot_container(tm_buf *out, const layout *lay, size_t slot, int depth)
{
	if (depth > MAX_DEPTH)
		return;
	if (slot < lay->n && lay->anchor[slot])
		dot_anchor(out, lay, slot, depth);
	for (size_t m = 0; m < lay->nmembers[slot]; m++) {
		size_t i = lay->members[slot][m];
		const tm_element *el = lay->model->elements[element_of(lay, i)];
		if (lay->role[i] == ROLE_NODE) {
			dot_node(out, lay, i, depth);
			continue;
		}
		dot_indent(out, depth);
		tm_buf_puts(out, "subgraph ");
		dot_cluster_name(out, lay, i);
		tm_buf_puts(out, " {\n");
		dot_indent(out, depth + 1);
		if (lay->role[i] == ROLE_BOUNDARY) {
			tm_buf_printf(out,
			              "style=\"dashed,rounded\"; color=\"%s\"; fontcolor=\"%s\"; "
			              "penwidth=1.6; fontsize=12;\n",
			              BOUNDARY_COLOR, BOUNDARY_COLOR);
			dot_indent(out, depth + 1);
			tm_buf_puts(out, "label=<<B>");
			dot_html(out, el->key ? el->key : "");
			tm_buf_puts(out, "</B>");
			if (el->label && el->key && strcmp(el->label, el->key) != 0) {
				/* a plain space is dropped between SVG text runs */
				tm_buf_puts(out, "&#160;");
				dot_html(out, el->label);
			}
			tm_buf_puts(out, ">;\n");
		} else {
			int risk = lay->risk[i];
			tm_buf_printf(out,
			              "style=\"rounded,filled\"; color=\"#566573\"; fillcolor=\"%s\"; "
			              "fontcolor=\"#1b2631\"; fontsize=12;\n",
			              risk == NONE ? "#f8f9f9" : risk_tint[risk]);
			dot_indent(out, depth + 1);
			tm_buf_puts(out, "label=<<B>");
			dot_html(out, label_of(el));
			tm_buf_puts(out, "</B>&#160;<FONT POINT-SIZE=\"9\">");
			dot_html(out, el->key ? el->key : "");
			if (risk != NONE)
				tm_buf_printf(out, " · %s", tm_risk_names[risk]);
			tm_buf_puts(out, "</FONT>>;\n");
		}
		dot_container(out, lay, i, depth + 1);
		dot_indent(out, depth);
		tm_buf_puts(out, "}\n");
	}
}

/* One end of an arrow: a node, or for a cluster a node inside it with
 * lhead/ltail pointing at the cluster, or the cluster's anchor when the
 * other end is inside it. */
static size_t dot_end(const layout *lay, size_t el, size_t other, const char **clip)
{
	*clip = NULL;
	if (lay->role[el] != ROLE_CLUSTER)
		return el;
	if (self_end(lay, el, other))
		return el;
	*clip = "";
	return lay->rep[el];
}

static void dot_legend(tm_buf *out, const layout *lay)
{
	bool any = lay->any_crossing || lay->any_anchor;
	for (int r = 0; r < 5; r++)
		any = any || lay->any_risk[r];
	if (!any)
		return;
	tm_buf_puts(out, "\tlegend [shape=plain, fontsize=9, label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" "
	                 "CELLSPACING=\"0\" CELLPADDING=\"4\" COLOR=\"#aab7b8\">\n");
	tm_buf_puts(out, "\t\t<TR><TD COLSPAN=\"2\"><B>Highest open risk</B></TD></TR>\n");
	for (int r = TM_RISK_CRITICAL; r >= TM_RISK_INFO; r--)
		if (lay->any_risk[r])
			tm_buf_printf(
			    out,
			    "\t\t<TR><TD BGCOLOR=\"%s\" WIDTH=\"24\"> </TD><TD ALIGN=\"LEFT\">%s</TD></TR>\n",
			    risk_fill[r], tm_risk_names[r]);
	tm_buf_puts(
	    out,
	    "\t\t<TR><TD BGCOLOR=\"#ffffff\" WIDTH=\"24\"> </TD><TD ALIGN=\"LEFT\">none open</TD></TR>\n");
	if (lay->any_crossing)
		tm_buf_printf(out,
		              "\t\t<TR><TD><FONT COLOR=\"%s\"><B>&#8594;</B></FONT></TD>"
		              "<TD ALIGN=\"LEFT\">crosses a trust boundary</TD></TR>\n",
		              CROSSING_COLOR);
	tm_buf_puts(out,
	            "\t\t<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\">rectangle: external entity<BR ALIGN=\"LEFT\"/>"
	            "rounded: process<BR ALIGN=\"LEFT\"/>cylinder: data store<BR ALIGN=\"LEFT\"/>"
	            "dashed: trust boundary<BR ALIGN=\"LEFT\"/>");
	if (lay->any_anchor)
		tm_buf_puts(out, "dot in a process: the process itself<BR ALIGN=\"LEFT\"/>");
	tm_buf_puts(out, "</TD></TR>\n");
	tm_buf_puts(out, "\t</TABLE>>];\n");
}

void tm_render_dfd_dot(tm_buf *out, const tm_model *model, const tm_findings *findings, int level,
                       const char *title)
{
	layout lay;
	layout_build(&lay, model, findings, level);
	const char *font = "Helvetica,Arial,sans-serif";
	tm_buf_puts(out, "digraph dfd {\n");
	tm_buf_printf(
	    out,
	    "\tgraph [rankdir=TB, compound=true, newrank=true, nodesep=0.35, ranksep=0.7, pad=0.25, "
	    "fontname=\"%s\", fontsize=11, labelloc=t, labeljust=l",
	    font);
	if (title) {
		tm_buf_puts(out, ", label=<<B>");
		dot_html(out, title);
		tm_buf_printf(
		    out,
		    "</B>&#160;&#160;<FONT POINT-SIZE=\"11\">Level %d data-flow diagram</FONT>>, fontsize=18",
		    lay.level);
	}
	tm_buf_puts(out, "];\n");
	tm_buf_printf(
	    out, "\tnode [fontname=\"%s\", fontsize=12, color=\"#34495e\", margin=\"0.14,0.06\"];\n", font);
	tm_buf_printf(
	    out,
	    "\tedge [fontname=\"%s\", fontsize=10, color=\"%s\", fontcolor=\"#4d5656\", arrowsize=0.7];\n",
	    font, FLOW_COLOR);
	dot_container(out, &lay, lay.n, 0);
	tm_buf wrapped = TM_BUF_INIT;
	for (size_t k = 0; k < lay.nedges; k++) {
		const edge *e = &lay.edges[k];
		const char *tail_clip, *head_clip;
		size_t tail = dot_end(&lay, e->src, e->dst, &tail_clip);
		size_t head = dot_end(&lay, e->dst, e->src, &head_clip);
		if (tail == SIZE_MAX || head == SIZE_MAX)
			continue;
		tm_buf_printf(out, "\tn%zu -> n%zu [label=\"", tail, head);
		tm_buf_clear(&wrapped);
		edge_text(&wrapped, &lay, e, EDGE_WRAP);
		dot_text(out, tm_buf_str(&wrapped));
		tm_buf_putc(out, '"');
		if (e->bidirectional)
			tm_buf_puts(out, ", dir=both");
		if (e->crossing)
			tm_buf_printf(out, ", color=\"%s\", fontcolor=\"%s\", penwidth=2.4, style=bold",
			              CROSSING_COLOR, CROSSING_COLOR);
		if (tail_clip)
			tm_buf_printf(out, ", ltail=cluster_%zu", e->src);
		if (head_clip)
			tm_buf_printf(out, ", lhead=cluster_%zu", e->dst);
		tm_buf_puts(out, "];\n");
	}
	tm_buf_free(&wrapped);
	dot_legend(out, &lay);
	tm_buf_puts(out, "}\n");
	layout_free(&lay);
}

/* ------------------------------------------------------------- Mermaid */

static void mermaid_name(tm_buf *out, const layout *lay, size_t i)
{
	if (i > lay->n) {
		tm_buf_printf(out, "b%zu_%zu", element_of(lay, i), lay->frags[i - lay->n - 1].scope);
		return;
	}
	tm_buf_printf(out, "%c%zu",
	              lay->role[i] == ROLE_NODE      ? 'n'
	              : lay->role[i] == ROLE_CLUSTER ? 'p'
	                                             : 'b',
	              i);
}

static void mermaid_container(tm_buf *out, const layout *lay, size_t slot, int depth)
{
	if (depth > MAX_DEPTH)
		return;
	if (slot < lay->n && lay->anchor[slot]) {
		/* the anchor of the process (see dot_anchor) */
		tm_buf_fill(out, ' ', (size_t)2 * (size_t)(depth + 1));
		tm_buf_printf(out, "n%zu((\" \"))\n", slot);
	}
	for (size_t m = 0; m < lay->nmembers[slot]; m++) {
		size_t i = lay->members[slot][m];
		const tm_element *el = lay->model->elements[element_of(lay, i)];
		tm_buf_fill(out, ' ', (size_t)2 * (size_t)(depth + 1));
		if (lay->role[i] == ROLE_NODE) {
			static const char *const open[] = {"[\"", "(\"", "[(\""}, *const close[] = {
			                                                              "\"]", "\")", "\")]"};
			int shape = el->kind == TM_EL_EXTERNAL ? 0 : el->kind == TM_EL_STORE ? 2 : 1;
			mermaid_name(out, lay, i);
			tm_buf_puts(out, open[shape]);
			mermaid_text(out, label_of(el));
			tm_buf_puts(out, close[shape]);
			tm_buf_putc(out, '\n');
			continue;
		}
		tm_buf_puts(out, "subgraph ");
		mermaid_name(out, lay, i);
		tm_buf_puts(out, "[\"");
		if (lay->role[i] == ROLE_BOUNDARY) {
			mermaid_text(out, el->key ? el->key : "");
			if (el->label && el->key && strcmp(el->label, el->key) != 0) {
				tm_buf_puts(out, ": ");
				mermaid_text(out, el->label);
			}
		} else {
			mermaid_text(out, label_of(el));
		}
		tm_buf_puts(out, "\"]\n");
		mermaid_container(out, lay, i, depth + 1);
		tm_buf_fill(out, ' ', (size_t)2 * (size_t)(depth + 1));
		tm_buf_puts(out, "end\n");
	}
}

/* An end of an arrow: a node, or a cluster (Mermaid links to subgraphs),
 * or the cluster's anchor when the other end lies inside it, as in DOT. */
static void mermaid_end(tm_buf *out, const layout *lay, size_t el, size_t other)
{
	if (self_end(lay, el, other)) {
		tm_buf_printf(out, "n%zu", el);
		return;
	}
	mermaid_name(out, lay, el);
}

void tm_render_dfd_mermaid(tm_buf *out, const tm_model *model, const tm_findings *findings, int level)
{
	layout lay;
	layout_build(&lay, model, findings, level);
	tm_buf_puts(out, "flowchart TB\n");
	mermaid_container(out, &lay, lay.n, 0);
	tm_buf wrapped = TM_BUF_INIT;
	size_t nlinks = 0;
	tm_buf crossing = TM_BUF_INIT;
	for (size_t k = 0; k < lay.nedges; k++) {
		const edge *e = &lay.edges[k];
		tm_buf_puts(out, "  ");
		mermaid_end(out, &lay, e->src, e->dst);
		if (e->crossing)
			tm_buf_puts(out, e->bidirectional ? " <==>" : " ==>");
		else
			tm_buf_puts(out, e->bidirectional ? " <-->" : " -->");
		tm_buf_clear(&wrapped);
		edge_text(&wrapped, &lay, e, 0);
		if (wrapped.len) {
			tm_buf_puts(out, "|\"");
			mermaid_text(out, tm_buf_str(&wrapped));
			tm_buf_puts(out, "\"|");
		}
		tm_buf_putc(out, ' ');
		mermaid_end(out, &lay, e->dst, e->src);
		tm_buf_putc(out, '\n');
		if (e->crossing)
			tm_buf_printf(&crossing, "%s%zu", crossing.len ? "," : "", nlinks);
		nlinks++;
	}
	tm_buf_free(&wrapped);
	/* the heat map and the legend */
	bool any_risk = false;
	for (int r = 0; r < 5; r++) {
		if (!lay.any_risk[r])
			continue;
		any_risk = true;
		tm_buf_printf(out, "  classDef risk_%s fill:%s,color:%s,stroke:#34495e\n", tm_risk_names[r],
		              risk_fill[r], risk_text[r]);
	}
	for (int r = 0; r < 5; r++) {
		if (!lay.any_risk[r])
			continue;
		tm_buf_puts(out, "  class ");
		bool first = true;
		for (size_t i = 0; i < lay.n; i++) {
			if (lay.role[i] != ROLE_NODE || lay.risk[i] != r)
				continue;
			if (!first)
				tm_buf_putc(out, ',');
			mermaid_name(out, &lay, i);
			first = false;
		}
		tm_buf_printf(out, " risk_%s\n", tm_risk_names[r]);
	}
	for (size_t i = 0; i < lay.n; i++)
		if (lay.anchor[i])
			tm_buf_printf(out, "  style n%zu fill:#566573,stroke:#566573\n", i);
	for (size_t i = 0; i < lay.nslots; i++) {
		if (lay.role[i] == ROLE_HIDDEN || lay.role[i] == ROLE_NODE || !lay.content[i])
			continue;
		tm_buf_puts(out, "  style ");
		mermaid_name(out, &lay, i);
		if (lay.role[i] == ROLE_BOUNDARY)
			tm_buf_printf(out,
			              " fill:none,stroke:%s,stroke-width:2px,stroke-dasharray:6 4,color:%s\n",
			              BOUNDARY_COLOR, BOUNDARY_COLOR);
		else
			tm_buf_printf(out, " fill:%s,stroke:#566573\n",
			              lay.risk[i] == NONE ? "#f8f9f9" : risk_tint[lay.risk[i]]);
	}
	if (crossing.len)
		tm_buf_printf(out, "  linkStyle %s stroke:%s,stroke-width:3px,color:%s\n",
		              tm_buf_str(&crossing), CROSSING_COLOR, CROSSING_COLOR);
	tm_buf_free(&crossing);
	if (any_risk || lay.any_crossing || lay.any_anchor) {
		tm_buf_puts(out, "  subgraph legend[\"Legend: highest open risk\"]\n");
		for (int r = TM_RISK_CRITICAL; r >= TM_RISK_INFO; r--)
			if (lay.any_risk[r])
				tm_buf_printf(out, "    legend_%s[\"%s\"]:::risk_%s\n", tm_risk_names[r],
				              tm_risk_names[r], tm_risk_names[r]);
		if (lay.any_crossing)
			tm_buf_puts(out,
			            "    legend_crossing[\"thick red arrow: crosses a trust boundary\"]\n");
		if (lay.any_anchor)
			tm_buf_puts(out, "    legend_anchor[\"dot in a process: the process itself\"]\n");
		tm_buf_puts(out, "  end\n");
		tm_buf_puts(out, "  style legend fill:none,stroke:#aab7b8\n");
	}
	layout_free(&lay);
}
