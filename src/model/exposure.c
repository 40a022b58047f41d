/* Exposure (doc/language.md "Exposure"). A flow is a request from its
 * source to its target; a <-> flow adds the reply, which makes nobody
 * reachable. Requests are rolled up to their Level-0 ends (a request to
 * api.dal is one to api). A pass-through process (tm_pass_through_kinds)
 * hands the requests it takes on; any other process or store ends them,
 * and an external's requests are its own. So a process or store is
 *   internet  when requests from an internet-zone external reach it
 *             directly or only through pass-through processes (the edge);
 *   network   when requests from some external reach it otherwise: further
 *             in, behind an element that ends them, or from an external in
 *             another zone;
 *   internal  when none does.
 * An external's exposure is its zone's; a child's its Level-0 ancestor's;
 * a flow's its request source's (tm_flow_exposure). */
#include "base/limits.h"
#include "model/exposure.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* The same words the stride pack takes for a gateway (STRIDE-E-04). */
const char *const tm_pass_through_kinds[] = {
    "cdn",     "waf",         "load_balancer", "reverse_proxy", "proxy",
    "gateway", "api_gateway", "ingress",       "edge",          NULL,
};

tm_exposure tm_zone_exposure(const char *zone)
{
	if (!zone || strcmp(zone, "internet") == 0)
		return TM_EXPOSURE_INTERNET;
	return strcmp(zone, "internal") == 0 ? TM_EXPOSURE_INTERNAL : TM_EXPOSURE_NETWORK;
}

bool tm_element_passes_through(const tm_element *el)
{
	if (!el || el->kind != TM_EL_PROCESS)
		return false;
	const char *kind = tm_element_attr_text(el, "kind");
	for (size_t i = 0; kind && tm_pass_through_kinds[i]; i++)
		if (strcmp(kind, tm_pass_through_kinds[i]) == 0)
			return true;
	return false;
}

static tm_exposure known_exposure(const tm_element *el)
{
	return el && el->exposure >= TM_EXPOSURE_INTERNAL && el->exposure <= TM_EXPOSURE_INTERNET
	           ? el->exposure
	           : TM_EXPOSURE_INTERNAL;
}

tm_exposure tm_flow_exposure(const tm_element *flow, const tm_element **end)
{
	const tm_element *from = flow->source;
	tm_exposure exposure = known_exposure(from);
	const tm_element *target = flow->target;
	if (flow->bidirectional && target && target->kind == TM_EL_EXTERNAL &&
	    known_exposure(target) > exposure) {
		from = target;
		exposure = known_exposure(target);
	}
	if (end)
		*end = from;
	return exposure;
}

/* ---- the flood ---- */

typedef struct flood {
	const tm_model *model;
	uint8_t *level;
	tm_element **via, **origin;
	size_t *first, *edges; /* requests by Level-0 source: edges[first[s]..first[s+1]) */
	size_t *queue;
	size_t nqueue;
} flood;

/* Marks the element at index `to` with `level`, reached by a request from
 * the one at `from`, unless it is an external or has a level already. */
static void expose(flood *f, size_t to, size_t from, tm_exposure level)
{
	const tm_model *m = f->model;
	if (m->elements[to]->kind == TM_EL_EXTERNAL || f->level[to])
		return;
	f->level[to] = (uint8_t)level;
	if (f->via) {
		tm_element *sender = m->elements[from];
		f->via[to] = sender;
		f->origin[to] = sender->kind == TM_EL_EXTERNAL ? sender : f->origin[from];
	}
	f->queue[f->nqueue++] = to;
}

static void build_requests(flood *f)
{
	const tm_model *m = f->model;
	size_t n = m->nelements;
	f->first = tm_xcalloc(n + 2, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		const tm_element *flow = m->elements[i];
		if (!flow || flow->kind != TM_EL_FLOW || !flow->source || !flow->target)
			continue;
		size_t s = tm_element_level0(flow->source)->index, t = tm_element_level0(flow->target)->index;
		if (s != t)
			f->first[s + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		f->first[i + 1] += f->first[i];
	f->edges = tm_xmalloc((f->first[n] + 1) * sizeof(size_t));
	size_t *fill = tm_xmalloc((n + 1) * sizeof(size_t));
	memcpy(fill, f->first, n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		const tm_element *flow = m->elements[i];
		if (!flow || flow->kind != TM_EL_FLOW || !flow->source || !flow->target)
			continue;
		size_t s = tm_element_level0(flow->source)->index, t = tm_element_level0(flow->target)->index;
		if (s != t)
			f->edges[fill[s]++] = t;
	}
	free(fill);
}

/* Two breadth-first floods, so `via` records a shortest path: the first
 * from the internet-zone externals on through pass-through processes only,
 * the second from everything the first reached, then from the externals
 * in other zones, through anything but an external. */
void tm_exposure_flood(const tm_model *model, uint8_t *level, tm_element **via, tm_element **origin)
{
	size_t n = model->nelements;
	flood f = {.model = model, .level = level, .via = via && origin ? via : NULL, .origin = origin};
	build_requests(&f);
	f.queue = tm_xmalloc((n + 1) * sizeof(size_t));
	memset(level, 0, n);
	for (size_t i = 0; i < n; i++) {
		const tm_element *el = model->elements[i];
		if (f.via)
			f.via[i] = f.origin[i] = NULL;
		if (el && el->kind == TM_EL_EXTERNAL) {
			level[i] = (uint8_t)tm_zone_exposure(el->zone);
			if (level[i] == TM_EXPOSURE_INTERNET)
				f.queue[f.nqueue++] = i;
		}
	}
	/* The edge. Everything marked stays in the queue, in the order it was
	 * reached, to start the second flood. */
	size_t origins = f.nqueue;
	for (size_t head = 0; head < f.nqueue; head++) {
		size_t from = f.queue[head];
		if (head >= origins && !tm_element_passes_through(model->elements[from]))
			continue;
		for (size_t e = f.first[from]; e < f.first[from + 1]; e++)
			expose(&f, f.edges[e], from, TM_EXPOSURE_INTERNET);
	}
	/* Further in. */
	size_t reached = f.nqueue - origins;
	memmove(f.queue, f.queue + origins, reached * sizeof(size_t));
	f.nqueue = reached;
	for (size_t i = 0; i < n; i++)
		if (model->elements[i] && model->elements[i]->kind == TM_EL_EXTERNAL &&
		    level[i] != TM_EXPOSURE_INTERNET)
			f.queue[f.nqueue++] = i;
	for (size_t head = 0; head < f.nqueue; head++) {
		size_t from = f.queue[head];
		for (size_t e = f.first[from]; e < f.first[from + 1]; e++)
			expose(&f, f.edges[e], from, TM_EXPOSURE_NETWORK);
	}
	free(f.queue);
	free(f.first);
	free(f.edges);

	for (size_t i = 0; i < n; i++) {
		const tm_element *el = model->elements[i];
		if (!el || (el->kind != TM_EL_PROCESS && el->kind != TM_EL_STORE))
			continue;
		size_t top = tm_element_level0(el)->index;
		if (!level[top])
			level[top] = TM_EXPOSURE_INTERNAL;
		level[i] = level[top];
		if (f.via) {
			f.via[i] = f.via[top];
			f.origin[i] = f.origin[top];
		}
	}
}

tm_exposure_path *tm_model_exposure_paths(const tm_model *model)
{
	size_t n = model->nelements;
	uint8_t *level = tm_xmalloc(n + 1);
	tm_element **via = tm_xmalloc((n + 1) * sizeof(*via));
	tm_element **origin = tm_xmalloc((n + 1) * sizeof(*origin));
	tm_exposure_flood(model, level, via, origin);
	tm_exposure_path *paths = tm_xcalloc(n + 1, sizeof(*paths));
	for (size_t i = 0; i < n; i++)
		paths[i] = (tm_exposure_path){.via = via[i], .origin = origin[i], .level = level[i]};
	free(level);
	free(via);
	free(origin);
	return paths;
}

/* ---- the reason ---- */

static void put_zone(tm_buf *out, const tm_element *external)
{
	tm_buf_printf(out, "%s (zone %s)", external->key, external->zone ? external->zone : "internet");
}

/* The path of requests that reaches a process or store at Level 0, walked
 * back from it along the paths' `via`. */
static void node_why(tm_buf *out, const tm_element *el, const tm_exposure_path *paths)
{
	const tm_element *origin = paths[el->index].origin;
	if (!origin) {
		tm_buf_puts(out, "no request from an external entity reaches it");
		return;
	}
	/* hops[0] is el, then the element that sends it requests, and so on. */
	const tm_element *hops[WHY_MAX_HOPS];
	size_t nhops = 0;
	const tm_element *at = el;
	while (at && at != origin && nhops < WHY_MAX_HOPS) {
		hops[nhops++] = at;
		at = paths[at->index].via;
	}
	bool complete = at == origin;
	bool relayed = complete;
	for (size_t i = 1; i < nhops; i++)
		relayed = relayed && tm_element_passes_through(hops[i]);
	if (relayed || el->exposure == TM_EXPOSURE_INTERNET) {
		tm_buf_puts(out, "takes requests from ");
		put_zone(out, origin);
		if (nhops > 1) {
			tm_buf_puts(out, complete ? " through " : " through …, ");
			for (size_t i = nhops - 1; i >= 1; i--)
				tm_buf_printf(out, "%s%s", hops[i]->key, i > 1 ? ", " : "");
			tm_buf_puts(out, " (pass-through)");
		}
		return;
	}
	tm_buf_printf(out, "takes requests from %s, further in from ", paths[el->index].via->key);
	put_zone(out, origin);
	tm_buf_printf(out, ": %s%s", origin->key, complete ? "" : " -> …");
	for (size_t i = nhops; i-- > 0;)
		tm_buf_printf(out, " -> %s%s", hops[i]->key,
		              i && tm_element_passes_through(hops[i]) ? " (pass-through)" : "");
}

bool tm_element_exposure_why(tm_buf *out, const tm_element *el, const tm_exposure_path *paths)
{
	if (!el)
		return false;
	switch (el->kind) {
	case TM_EL_EXTERNAL:
		tm_buf_printf(out, "external entity in zone %s", el->zone ? el->zone : "internet");
		return true;
	case TM_EL_PROCESS:
	case TM_EL_STORE: {
		const tm_element *top = tm_element_level0(el);
		if (!paths || paths[top->index].level != top->exposure)
			return false;
		if (top != el)
			tm_buf_printf(out, "as part of %s: ", top->key);
		node_why(out, top, paths);
		return true;
	}
	case TM_EL_FLOW: {
		if (!el->source || !el->target || el->source->kind == TM_EL_FLOW ||
		    el->target->kind == TM_EL_FLOW)
			return false;
		const tm_element *end = NULL;
		tm_exposure exposure = tm_flow_exposure(el, &end);
		tm_buf_puts(out, end == el->source ? "requests come from " : "replies come from ");
		if (end->kind == TM_EL_EXTERNAL)
			put_zone(out, end);
		else
			tm_buf_printf(out, "%s (%s)", end->key, tm_exposure_names[exposure]);
		return true;
	}
	default: return false;
	}
}
