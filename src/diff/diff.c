#include "diff/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static bool is_open(tm_status status)
{
	return status == TM_STATUS_OPEN || status == TM_STATUS_EXPIRED;
}

typedef struct keyed {
	const char *key;
	size_t index;
} keyed;

static int compare_keyed(const void *a, const void *b)
{
	return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key);
}

/* "kind key" strings, so one sorted list holds every element kind. */
static keyed *element_keys(const tm_model *model, size_t *count)
{
	keyed *keys = tm_xcalloc(model->nelements + 1, sizeof(*keys));
	size_t n = 0;
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (!el->key)
			continue;
		size_t len = strlen(el->key) + 16;
		char *key = tm_xmalloc(len);
		snprintf(key, len, "%d %s", (int)el->kind, el->key);
		keys[n++] = (keyed){key, i};
	}
	if (n)
		qsort(keys, n, sizeof(*keys), compare_keyed);
	*count = n;
	return keys;
}

static void free_keys(keyed *keys, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free((char *)keys[i].key);
	free(keys);
}

static void add_detail(tm_element_change *change, tm_buf *text)
{
	change->details = tm_xrealloc(change->details, (change->ndetails + 1) * sizeof(char *));
	change->details[change->ndetails++] = tm_buf_detach(text);
}

static char *attr_text(const tm_attr *attr)
{
	tm_buf text = TM_BUF_INIT;
	tm_value_source(&text, attr->value);
	return tm_buf_detach(&text);
}

/* Attribute by attribute: changed values, then those only one side has. */
static void compare_attrs(tm_element_change *change, const tm_block *before, const tm_block *after)
{
	tm_buf line = TM_BUF_INIT;
	for (size_t i = 0; after && i < after->count; i++) {
		const tm_attr *a = after->items[i].attr;
		if (!a || tm_block_get(after, a->name) != a)
			continue;
		const tm_attr *b = tm_block_get(before, a->name);
		char *new_text = attr_text(a);
		if (!b) {
			tm_buf_printf(&line, "+ %s %s", a->name, new_text);
			add_detail(change, &line);
		} else {
			char *old_text = attr_text(b);
			if (strcmp(old_text, new_text) != 0) {
				tm_buf_printf(&line, "%s: %s -> %s", a->name, old_text, new_text);
				add_detail(change, &line);
			}
			free(old_text);
		}
		free(new_text);
	}
	for (size_t i = 0; before && i < before->count; i++) {
		const tm_attr *b = before->items[i].attr;
		if (!b || tm_block_get(before, b->name) != b || tm_block_get(after, b->name))
			continue;
		char *old_text = attr_text(b);
		tm_buf_printf(&line, "- %s %s", b->name, old_text);
		add_detail(change, &line);
		free(old_text);
	}
	tm_buf_free(&line);
}

static bool same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void push_element(tm_diff *diff, size_t *cap, tm_element_change change)
{
	TM_VEC_PUSH(diff->elements, diff->nelements, *cap, change);
}

static void diff_elements(tm_diff *diff, const tm_model *before, const tm_model *after)
{
	size_t nb, na, cap = 0;
	keyed *kb = element_keys(before, &nb), *ka = element_keys(after, &na);
	size_t i = 0, j = 0;
	while (i < nb || j < na) {
		int order = i == nb ? 1 : j == na ? -1 : strcmp(kb[i].key, ka[j].key);
		if (order < 0) {
			push_element(diff, &cap,
			             (tm_element_change){.change = TM_CHANGE_REMOVED,
			                                 .before = before->elements[kb[i++].index]});
		} else if (order > 0) {
			push_element(diff, &cap,
			             (tm_element_change){.change = TM_CHANGE_ADDED,
			                                 .after = after->elements[ka[j++].index]});
		} else {
			tm_element_change change = {.change = TM_CHANGE_CHANGED,
			                            .before = before->elements[kb[i++].index],
			                            .after = after->elements[ka[j++].index]};
			tm_buf line = TM_BUF_INIT;
			if (!same_text(change.before->label, change.after->label)) {
				tm_buf_printf(&line, "label: \"%s\" -> \"%s\"", change.before->label,
				              change.after->label);
				add_detail(&change, &line);
			}
			if (change.before->kind == TM_EL_FLOW &&
			    (!same_text(change.before->source ? change.before->source->key : NULL,
			                change.after->source ? change.after->source->key : NULL) ||
			     !same_text(change.before->target ? change.before->target->key : NULL,
			                change.after->target ? change.after->target->key : NULL) ||
			     change.before->bidirectional != change.after->bidirectional)) {
				/* "ends: a <-> b, now a -> b": no arrow between the
				 * two that would read as one more flow */
				tm_buf_printf(&line, "ends: %s %s %s, now %s %s %s",
				              change.before->source ? change.before->source->key : "?",
				              change.before->bidirectional ? "<->" : "->",
				              change.before->target ? change.before->target->key : "?",
				              change.after->source ? change.after->source->key : "?",
				              change.after->bidirectional ? "<->" : "->",
				              change.after->target ? change.after->target->key : "?");
				add_detail(&change, &line);
			}
			tm_buf_free(&line);
			compare_attrs(&change, change.before->decl ? change.before->decl->block : NULL,
			              change.after->decl ? change.after->decl->block : NULL);
			if (change.ndetails)
				push_element(diff, &cap, change);
		}
	}
	free_keys(kb, nb);
	free_keys(ka, na);
}

static keyed *finding_keys(const tm_findings *set)
{
	keyed *keys = tm_xcalloc(set->count + 1, sizeof(*keys));
	for (size_t i = 0; i < set->count; i++)
		keys[i] = (keyed){set->items[i].id, i};
	if (set->count)
		qsort(keys, set->count, sizeof(*keys), compare_keyed);
	return keys;
}

static const tm_finding *sort_subject(const tm_finding_change *change)
{
	return change->after ? change->after : change->before;
}

static int compare_finding_changes(const void *a, const void *b)
{
	const tm_finding *x = sort_subject(a), *y = sort_subject(b);
	if (x->risk != y->risk)
		return x->risk > y->risk ? -1 : 1;
	int order = strcmp(x->id, y->id);
	if (order)
		return order;
	return (int)((const tm_finding_change *)a)->change - (int)((const tm_finding_change *)b)->change;
}

static void diff_findings(tm_diff *diff, const tm_findings *before, const tm_findings *after)
{
	keyed *kb = finding_keys(before), *ka = finding_keys(after);
	size_t i = 0, j = 0, cap = 0;
	while (i < before->count || j < after->count) {
		int order = i == before->count ? 1 : j == after->count ? -1 : strcmp(kb[i].key, ka[j].key);
		tm_finding_change change = {0};
		if (order < 0) {
			change = (tm_finding_change){TM_CHANGE_REMOVED, &before->items[kb[i++].index], NULL};
		} else if (order > 0) {
			change = (tm_finding_change){TM_CHANGE_ADDED, NULL, &after->items[ka[j++].index]};
		} else {
			change = (tm_finding_change){TM_CHANGE_CHANGED, &before->items[kb[i++].index],
			                             &after->items[ka[j++].index]};
			if (change.before->risk == change.after->risk &&
			    change.before->status == change.after->status)
				continue;
		}
		TM_VEC_PUSH(diff->findings, diff->nfindings, cap, change);
	}
	free(kb);
	free(ka);
	if (diff->nfindings)
		qsort(diff->findings, diff->nfindings, sizeof(*diff->findings), compare_finding_changes);
}

/* ---- architecture ---- */

/* ORDER REVIEW */
const char *const tm_review_names[TM_REVIEW_COUNT] = {"none", "endpoint", "integration", "architecture"};
const char *const tm_review_triggers[TM_REVIEW_COUNT] = {"no change", "new endpoint", "new integration",
                                                         "architecture change"};
const char *const tm_review_scopes[TM_REVIEW_COUNT] = {
    "no review", "incremental STRIDE", "trust boundary analysis", "full review by the security reviewer"};
/* ORDER ARCH */
const char *const tm_arch_kind_names[TM_ARCH_COUNT] = {"boundary", "nesting",     "emptied",  "membership",
                                                       "crossing", "integration", "external", "endpoint"};

typedef struct arch_list {
	tm_diff *diff;
	size_t cap;
} arch_list;

static void push_arch(arch_list *list, tm_arch_kind kind, tm_change change, const char *subject, tm_buf *what,
                      const char *action, tm_review review)
{
	tm_arch_change item = {.kind = kind,
	                       .change = change,
	                       .subject = subject,
	                       .what = tm_buf_detach(what),
	                       .action = tm_xstrdup(action),
	                       .review = review};
	TM_VEC_PUSH(list->diff->arch, list->diff->narch, list->cap, item);
	list->diff->reviews[review] = true;
	if (review > list->diff->review)
		list->diff->review = review;
}

/* The element of the same kind under the same key in the other model. */
static const tm_element *counterpart(const tm_model *model, const tm_element *el)
{
	const tm_element *other = el->key ? tm_model_get(model, el->key) : NULL;
	return other && other->kind == el->kind ? other : NULL;
}

static bool holds_key(tm_element *const *list, size_t count, const char *key)
{
	for (size_t i = 0; i < count; i++)
		if (list[i]->key && strcmp(list[i]->key, key) == 0)
			return true;
	return false;
}

static const char *key_or_none(const tm_element *el)
{
	return el ? el->key : NULL;
}

/* "TB-01", "TB-01 and TB-04", "TB-01, TB-03 and TB-04" */
static void put_key_list(tm_buf *out, const char *const *keys, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (i)
			tm_buf_puts(out, i + 1 == count ? " and " : ", ");
		tm_buf_puts(out, keys[i]);
	}
}

static void boundary_changes(arch_list *list, const tm_model *before, const tm_model *after)
{
	tm_buf what = TM_BUF_INIT, action = TM_BUF_INIT;
	for (size_t i = 0; i < after->nelements; i++) {
		const tm_element *b = after->elements[i];
		if (b->kind != TM_EL_BOUNDARY || !b->key)
			continue;
		const tm_element *old = counterpart(before, b);
		if (!old) {
			tm_buf_printf(&what, "new boundary %s", b->key);
			push_arch(list, TM_ARCH_BOUNDARY, TM_CHANGE_ADDED, b->key, &what,
			          "identify the flows that now cross it and apply STRIDE to them",
			          TM_REVIEW_ARCHITECTURE);
			continue;
		}
		const char *was = key_or_none(old->outer), *now = key_or_none(b->outer);
		if (!same_text(was, now)) {
			if (!was)
				tm_buf_printf(&what, "boundary %s moved into %s", b->key, now);
			else if (!now)
				tm_buf_printf(&what, "boundary %s moved out of %s", b->key, was);
			else
				tm_buf_printf(&what, "boundary %s moved from %s into %s", b->key, was, now);
			tm_buf_printf(&action,
			              "identify the crossings this changes and re-apply STRIDE to the flows "
			              "through %s",
			              b->key);
			push_arch(list, TM_ARCH_NESTING, TM_CHANGE_CHANGED, b->key, &what,
			          tm_buf_str(&action), TM_REVIEW_ARCHITECTURE);
			tm_buf_clear(&action);
		}
		if (old->nmembers && !b->nmembers) {
			tm_buf_printf(&what, "boundary %s emptied (it held ", b->key);
			for (size_t k = 0; k < old->nmembers; k++)
				tm_buf_printf(&what, "%s%s", k ? ", " : "", old->members[k]->key);
			tm_buf_putc(&what, ')');
			push_arch(list, TM_ARCH_EMPTIED, TM_CHANGE_CHANGED, b->key, &what,
			          "its controls protect nothing now: place what it guarded or remove it",
			          TM_REVIEW_ARCHITECTURE);
			continue;
		}
		/* Membership as written; an element that is new or gone is in the
		 * element list already. */
		for (size_t k = 0; k < b->nmembers; k++) {
			const tm_element *m = b->members[k];
			if (m->kind == TM_EL_BOUNDARY || !m->key || !counterpart(before, m) ||
			    holds_key(old->members, old->nmembers, m->key))
				continue;
			tm_buf_printf(&what, "%s moved into %s", m->key, b->key);
			tm_buf_printf(&action, "re-apply STRIDE to %s and the flows that now cross %s",
			              m->key, b->key);
			push_arch(list, TM_ARCH_MEMBERSHIP, TM_CHANGE_ADDED, m->key, &what,
			          tm_buf_str(&action), TM_REVIEW_ARCHITECTURE);
			tm_buf_clear(&action);
		}
		for (size_t k = 0; k < old->nmembers; k++) {
			const tm_element *m = old->members[k];
			if (m->kind == TM_EL_BOUNDARY || !m->key || !counterpart(after, m) ||
			    holds_key(b->members, b->nmembers, m->key))
				continue;
			tm_buf_printf(&what, "%s moved out of %s", m->key, b->key);
			tm_buf_printf(&action,
			              "re-apply STRIDE to %s and check the mitigations that relied on %s",
			              m->key, b->key);
			push_arch(list, TM_ARCH_MEMBERSHIP, TM_CHANGE_REMOVED, m->key, &what,
			          tm_buf_str(&action), TM_REVIEW_ARCHITECTURE);
			tm_buf_clear(&action);
		}
	}
	for (size_t i = 0; i < before->nelements; i++) {
		const tm_element *b = before->elements[i];
		if (b->kind != TM_EL_BOUNDARY || !b->key || counterpart(after, b))
			continue;
		tm_buf_printf(&what, "boundary %s removed", b->key);
		push_arch(list, TM_ARCH_BOUNDARY, TM_CHANGE_REMOVED, b->key, &what,
		          "check the mitigations that relied on its controls", TM_REVIEW_ARCHITECTURE);
	}
	tm_buf_free(&what);
	tm_buf_free(&action);
}

/* Ends changed, and crossings gained and lost, by the flows both versions
 * have. */
static void crossing_changes(arch_list *list, const tm_model *before, const tm_model *after)
{
	tm_buf what = TM_BUF_INIT, action = TM_BUF_INIT;
	for (size_t i = 0; i < after->nelements; i++) {
		const tm_element *flow = after->elements[i];
		if (flow->kind != TM_EL_FLOW)
			continue;
		const tm_element *old = counterpart(before, flow);
		if (!old)
			continue;
		const char *was_src = key_or_none(old->source), *was_dst = key_or_none(old->target);
		const char *now_src = key_or_none(flow->source), *now_dst = key_or_none(flow->target);
		if (!same_text(was_src, now_src) || !same_text(was_dst, now_dst)) {
			tm_buf_printf(&what, "flow %s now runs %s -> %s (was %s -> %s)", flow->key,
			              now_src ? now_src : "?", now_dst ? now_dst : "?",
			              was_src ? was_src : "?", was_dst ? was_dst : "?");
			push_arch(list, TM_ARCH_ENDPOINT, TM_CHANGE_CHANGED, flow->key, &what,
			          "re-apply STRIDE to it: another element sends or receives it now",
			          TM_REVIEW_ENDPOINT);
		}
		for (size_t k = 0; k < flow->ncrossings; k++) {
			const char *b = flow->crossings[k]->key;
			if (holds_key(old->crossings, old->ncrossings, b))
				continue;
			tm_buf_printf(&what, "flow %s now crosses %s", flow->key, b);
			tm_buf_printf(&action,
			              "analyse its %s crossing: authentication, encryption, validation", b);
			push_arch(list, TM_ARCH_CROSSING, TM_CHANGE_ADDED, flow->key, &what,
			          tm_buf_str(&action), TM_REVIEW_ARCHITECTURE);
			tm_buf_clear(&action);
		}
		for (size_t k = 0; k < old->ncrossings; k++) {
			const char *b = old->crossings[k]->key;
			if (holds_key(flow->crossings, flow->ncrossings, b))
				continue;
			tm_buf_printf(&what, "flow %s no longer crosses %s", flow->key, b);
			tm_buf_printf(&action, "check the mitigations that relied on the %s crossing", b);
			push_arch(list, TM_ARCH_CROSSING, TM_CHANGE_REMOVED, flow->key, &what,
			          tm_buf_str(&action), TM_REVIEW_ARCHITECTURE);
			tm_buf_clear(&action);
		}
	}
	tm_buf_free(&what);
	tm_buf_free(&action);
}

/* An external's flows, each once (a <-> flow is in both lists). */
static size_t external_flows(const tm_element *ext, const tm_element **flows)
{
	size_t n = 0;
	for (size_t i = 0; i < ext->ninflows + ext->noutflows; i++) {
		const tm_element *flow =
		    i < ext->ninflows ? ext->inflows[i] : ext->outflows[i - ext->ninflows];
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = flows[k] == flow;
		if (!seen)
			flows[n++] = flow;
	}
	return n;
}

/* The boundaries a set of flows cross, each once, in the order met. */
static size_t crossed_boundaries(const tm_element *const *flows, size_t nflows, const char **keys)
{
	size_t n = 0;
	for (size_t i = 0; i < nflows; i++) {
		for (size_t c = 0; c < flows[i]->ncrossings; c++) {
			const char *key = flows[i]->crossings[c]->key;
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(keys[k], key) == 0;
			if (!seen)
				keys[n++] = key;
		}
	}
	return n;
}

/* "analyse its TB-01 crossing and its authentication (webhook states no
 * `auth`)": what the practice's steps for a new integration ask. */
static void integration_action(tm_buf *action, const tm_element *const *flows, size_t nflows)
{
	size_t ncrossings = 0;
	for (size_t i = 0; i < nflows; i++)
		ncrossings += flows[i]->ncrossings;
	const char **keys = tm_xcalloc(ncrossings + 1, sizeof(*keys));
	size_t nkeys = crossed_boundaries(flows, nflows, keys);
	if (nkeys) {
		tm_buf_puts(action, "analyse its ");
		put_key_list(action, keys, nkeys);
		tm_buf_printf(action, " crossing%s and its authentication", nkeys == 1 ? "" : "s");
	} else {
		tm_buf_puts(action, "draw the trust boundary its flows cross, then analyse that crossing "
		                    "and its authentication");
	}
	free(keys);
	size_t unauthenticated = 0;
	for (size_t i = 0; i < nflows; i++) {
		if (tm_element_attr(flows[i], "auth"))
			continue;
		tm_buf_puts(action, unauthenticated ? ", " : " (");
		tm_buf_puts(action, flows[i]->key);
		unauthenticated++;
	}
	if (unauthenticated)
		tm_buf_printf(action, " state%s no `auth`)", unauthenticated == 1 ? "s" : "");
}

static void external_changes(arch_list *list, const tm_model *from, const tm_model *to, tm_change change)
{
	tm_buf what = TM_BUF_INIT, action = TM_BUF_INIT;
	bool added = change == TM_CHANGE_ADDED;
	for (size_t i = 0; i < to->nelements; i++) {
		const tm_element *ext = to->elements[i];
		if (ext->kind != TM_EL_EXTERNAL || !ext->key || counterpart(from, ext))
			continue;
		const tm_element **flows =
		    tm_xcalloc((size_t)ext->ninflows + ext->noutflows + 1, sizeof(*flows));
		size_t nflows = external_flows(ext, flows);
		if (!nflows) {
			tm_buf_printf(&what, "%s external %s", added ? "new" : "removed", ext->key);
			push_arch(list, TM_ARCH_EXTERNAL, change, ext->key, &what,
			          added ? "draw its flows and the trust boundary they cross"
			                : "it had no flows",
			          added ? TM_REVIEW_INTEGRATION : TM_REVIEW_NONE);
			free(flows);
			continue;
		}
		tm_buf_printf(&what, "%s integration %s (", added ? "new" : "removed", ext->key);
		for (size_t k = 0; k < nflows; k++)
			tm_buf_printf(&what, "%s%s", k ? ", " : "", flows[k]->key);
		tm_buf_putc(&what, ')');
		if (added)
			integration_action(&action, flows, nflows);
		else
			tm_buf_puts(&action, "retire its credentials and check the mitigations and "
			                     "acceptances that named its flows");
		push_arch(list, TM_ARCH_INTEGRATION, change, ext->key, &what, tm_buf_str(&action),
		          added ? TM_REVIEW_INTEGRATION : TM_REVIEW_ARCHITECTURE);
		tm_buf_clear(&action);
		free(flows);
	}
	tm_buf_free(&what);
	tm_buf_free(&action);
}

static bool is_new_external(const tm_model *before, const tm_element *el)
{
	return el && el->kind == TM_EL_EXTERNAL && !counterpart(before, el);
}

/* New flows between elements both versions have (a new external's flows
 * are its integration): one that calls an external widens an integration;
 * one into a process is a new endpoint; any other is a new data flow,
 * which incremental STRIDE covers as it does an endpoint. */
static void endpoint_changes(arch_list *list, const tm_model *before, const tm_model *after)
{
	tm_buf what = TM_BUF_INIT, action = TM_BUF_INIT;
	for (size_t i = 0; i < after->nelements; i++) {
		const tm_element *flow = after->elements[i];
		if (flow->kind != TM_EL_FLOW || !flow->key || counterpart(before, flow) ||
		    is_new_external(before, flow->source) || is_new_external(before, flow->target))
			continue;
		const char *src = flow->source ? flow->source->key : "?";
		const char *dst = flow->target ? flow->target->key : "?";
		const char *arrow = flow->bidirectional ? "<->" : "->";
		if (flow->target && flow->target->kind == TM_EL_EXTERNAL) {
			tm_buf_printf(&what, "new flow %s to integration %s (%s %s %s)", flow->key, dst, src,
			              arrow, dst);
			integration_action(&action, &flow, 1);
			push_arch(list, TM_ARCH_INTEGRATION, TM_CHANGE_ADDED, flow->key, &what,
			          tm_buf_str(&action), TM_REVIEW_INTEGRATION);
		} else {
			bool endpoint = flow->target && flow->target->kind == TM_EL_PROCESS;
			tm_buf_printf(&what, "new %s %s (%s %s %s)", endpoint ? "endpoint" : "flow",
			              flow->key, src, arrow, dst);
			tm_buf_puts(&action,
			            "apply STRIDE to it: its input, output and the stores it reaches");
			if (flow->ncrossings) {
				const char **keys = tm_xcalloc(flow->ncrossings, sizeof(*keys));
				size_t nkeys = crossed_boundaries(&flow, 1, keys);
				tm_buf_puts(&action, "; it crosses ");
				put_key_list(&action, keys, nkeys);
				free(keys);
			}
			push_arch(list, TM_ARCH_ENDPOINT, TM_CHANGE_ADDED, flow->key, &what,
			          tm_buf_str(&action), TM_REVIEW_ENDPOINT);
		}
		tm_buf_clear(&action);
	}
	tm_buf_free(&what);
	tm_buf_free(&action);
}

static void diff_architecture(tm_diff *diff, const tm_model *before, const tm_model *after)
{
	arch_list list = {.diff = diff};
	boundary_changes(&list, before, after);
	crossing_changes(&list, before, after);
	external_changes(&list, before, after, TM_CHANGE_ADDED);
	external_changes(&list, after, before, TM_CHANGE_REMOVED);
	endpoint_changes(&list, before, after);
}

void tm_diff_review_summary(tm_buf *out, const tm_diff *diff)
{
	if (diff->review == TM_REVIEW_NONE) {
		tm_buf_puts(out, diff->narch ? "Security review not needed (none of these changes calls "
		                               "for one)"
		                             : "Security review not needed (no new endpoint, integration "
		                               "or architecture change)");
		return;
	}
	tm_buf_puts(out, "Security review needed: ");
	bool first = true;
	for (int r = TM_REVIEW_COUNT - 1; r > TM_REVIEW_NONE; r--) {
		if (!diff->reviews[r])
			continue;
		tm_buf_printf(out, "%s%s (%s)", first ? "" : "; ", tm_review_triggers[r],
		              tm_review_scopes[r]);
		first = false;
	}
}

void tm_diff_compute(tm_diff *out, const tm_session *before, const tm_session *after)
{
	memset(out, 0, sizeof(*out));
	diff_elements(out, before->model, after->model);
	diff_findings(out, &before->findings, &after->findings);
	diff_architecture(out, before->model, after->model);
}

void tm_diff_free(tm_diff *diff)
{
	for (size_t i = 0; i < diff->nelements; i++) {
		for (size_t k = 0; k < diff->elements[i].ndetails; k++)
			free(diff->elements[i].details[k]);
		free(diff->elements[i].details);
	}
	for (size_t i = 0; i < diff->narch; i++) {
		free(diff->arch[i].what);
		free(diff->arch[i].action);
	}
	free(diff->elements);
	free(diff->findings);
	free(diff->arch);
	memset(diff, 0, sizeof(*diff));
}

size_t tm_diff_count_worse(const tm_diff *diff, tm_risk level)
{
	size_t count = 0;
	for (size_t i = 0; i < diff->nfindings; i++) {
		const tm_finding_change *c = &diff->findings[i];
		if (!c->after || !is_open(c->after->status) || c->after->risk < level)
			continue;
		bool worse = c->change == TM_CHANGE_ADDED || c->after->risk > c->before->risk ||
		             !is_open(c->before->status);
		count += worse;
	}
	return count;
}
