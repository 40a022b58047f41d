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

void tm_diff_compute(tm_diff *out, const tm_session *before, const tm_session *after)
{
	memset(out, 0, sizeof(*out));
	diff_elements(out, before->model, after->model);
	diff_findings(out, &before->findings, &after->findings);
}

void tm_diff_free(tm_diff *diff)
{
	for (size_t i = 0; i < diff->nelements; i++) {
		for (size_t k = 0; k < diff->elements[i].ndetails; k++)
			free(diff->elements[i].details[k]);
		free(diff->elements[i].details);
	}
	free(diff->elements);
	free(diff->findings);
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
