#include "review/selfcheck.h"

#include <string.h>

#include "base/date.h"
#include "render/term.h"
#include "rules/rules.h"

#define COLOR_RESET  "\033[0m"
#define COLOR_MET    "\033[32m"
#define COLOR_UNMET  "\033[1;31m"
#define COLOR_MANUAL "\033[33m"
/* Lists of names in a reason stop here: "a, b, c, d, e and 12 more". */
#define MAX_NAMES 5

typedef enum item_state { ITEM_MET, ITEM_UNMET, ITEM_MANUAL } item_state;

/* A list of names being written into a reason, capped at MAX_NAMES. */
typedef struct name_list {
	tm_buf *out;
	size_t count;
} name_list;

static void list_add(name_list *list, const char *name)
{
	if (list->count < MAX_NAMES) {
		if (list->count)
			tm_buf_puts(list->out, ", ");
		tm_term_sanitize(list->out, name);
	}
	list->count++;
}

static void list_end(name_list *list)
{
	if (list->count > MAX_NAMES)
		tm_buf_printf(list->out, " and %zu more", list->count - MAX_NAMES);
}

/* "; " between the parts of a reason that lists several problems. */
static void part(tm_buf *reason)
{
	if (reason->len)
		tm_buf_puts(reason, "; ");
}

static const char *plural(size_t count, const char *one, const char *many)
{
	return count == 1 ? one : many;
}

static void item(tm_buf *out, bool color, item_state state, const char *text, const tm_buf *reason,
                 size_t counts[3])
{
	static const char *const marks[] = {"[x]", "[ ]", "[?]"};
	static const char *const colors[] = {COLOR_MET, COLOR_UNMET, COLOR_MANUAL};
	counts[state]++;
	if (color)
		tm_buf_printf(out, "%s%s%s", colors[state], marks[state], COLOR_RESET);
	else
		tm_buf_puts(out, marks[state]);
	tm_buf_printf(out, " %s", text);
	if (reason->len)
		tm_buf_printf(out, " — %s", tm_buf_str(reason));
	tm_buf_putc(out, '\n');
}

/* ---- the packs that ran ---- */

static bool pack_loaded(const tm_rules *rules, const char *pack)
{
	for (size_t i = 0; rules && i < tm_rules_count(rules); i++) {
		const tm_rule_info *info = tm_rules_info(rules, i);
		if (info && info->pack && strcmp(info->pack, pack) == 0)
			return true;
	}
	return false;
}

/* True when `applies` ("flow", or "process, store") names `kind`. */
static bool applies_to(const char *applies, const char *kind)
{
	size_t len = strlen(kind);
	for (const char *p = applies; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t word = strcspn(p, ", ");
		if (word == len && strncmp(p, kind, len) == 0)
			return true;
		p += word;
	}
	return false;
}

/* True when a rule of `pack` (any pack when NULL) applies to `kind`. */
static bool pack_applies_to(const tm_rules *rules, const char *pack, const char *kind)
{
	for (size_t i = 0; i < tm_rules_count(rules); i++) {
		const tm_rule_info *info = tm_rules_info(rules, i);
		if (info && (!pack || (info->pack && strcmp(info->pack, pack) == 0)) &&
		    applies_to(info->applies, kind))
			return true;
	}
	return false;
}

static bool any_rule_applies_to(const tm_rules *rules, const char *kind)
{
	return pack_applies_to(rules, NULL, kind);
}

/* ---- 1. the diagram ---- */

static bool has_flows(const tm_element *el)
{
	return el->ninflows > 0 || el->noutflows > 0;
}

/* True when el or a descendant has a flow, or an enclosing process does
 * (the model stays at Level 0 there), as the hygiene pack's HYG-08. */
static bool connected(const tm_element *el, int depth)
{
	if (has_flows(el))
		return true;
	if (depth < 64)
		for (size_t i = 0; i < el->nchildren; i++)
			if (connected(el->children[i], depth + 1))
				return true;
	for (const tm_element *p = el->parent; p; p = p->parent)
		if (has_flows(p))
			return true;
	return false;
}

/* "RULE@KEY" names a finding on the element whose key is `key`. */
static bool names_key(const char *finding, const char *key)
{
	const char *at = finding ? strchr(finding, '@') : NULL;
	return at && strcmp(at + 1, key) == 0;
}

/* A crossing flow is analysed when a finding (generated or hand-written, any
 * status) is on it, or a mitigation or acceptance names one, or it is in
 * scope and rules for flows ran over it: a flow that states every control
 * they ask for has no finding left, and that is the analysis's result. */
static bool analysed(const tm_session *session, const tm_element *flow)
{
	const tm_model *model = session->model;
	if (flow->in_scope && session->rules && any_rule_applies_to(session->rules, "flow"))
		return true;
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_finding *f = &session->findings.items[i];
		if (f->element == flow || (f->element_key && strcmp(f->element_key, flow->key) == 0))
			return true;
	}
	for (size_t i = 0; i < model->nmitigations; i++)
		for (size_t j = 0; j < model->mitigations[i].nmitigates; j++)
			if (names_key(model->mitigations[i].mitigates[j], flow->key))
				return true;
	for (size_t i = 0; i < model->nacceptances; i++)
		if (names_key(model->acceptances[i].finding, flow->key))
			return true;
	return false;
}

static item_state check_dfd(const tm_session *session, tm_buf *reason)
{
	const tm_model *model = session->model;
	size_t elements = 0, flows = 0, boundaries = 0, crossing = 0;
	tm_buf loose = TM_BUF_INIT, unanalysed = TM_BUF_INIT;
	name_list loose_list = {&loose, 0}, unanalysed_list = {&unanalysed, 0};
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		switch (el->kind) {
		case TM_EL_EXTERNAL:
		case TM_EL_PROCESS:
		case TM_EL_STORE:
			elements++;
			if (!connected(el, 0))
				list_add(&loose_list, el->key);
			break;
		case TM_EL_FLOW:
			flows++;
			if (el->ncrossings) {
				crossing++;
				if (!analysed(session, el))
					list_add(&unanalysed_list, el->key);
			}
			break;
		case TM_EL_BOUNDARY: boundaries++; break;
		default: break;
		}
	}
	list_end(&loose_list);
	list_end(&unanalysed_list);
	bool met = loose_list.count == 0 && unanalysed_list.count == 0 && boundaries > 0 && flows > 0;
	if (met) {
		tm_buf_printf(reason, "%zu %s, %zu %s, %zu %s; %zu boundary-crossing %s analysed", elements,
		              plural(elements, "element", "elements"), flows, plural(flows, "flow", "flows"),
		              boundaries, plural(boundaries, "boundary", "boundaries"), crossing,
		              plural(crossing, "flow", "flows"));
	} else {
		if (flows == 0) {
			part(reason);
			tm_buf_puts(reason, "no data flows drawn");
		}
		if (boundaries == 0) {
			part(reason);
			tm_buf_puts(reason, "no trust boundaries drawn");
		}
		if (loose_list.count) {
			part(reason);
			tm_buf_printf(reason, "%zu %s no flows: %s", loose_list.count,
			              plural(loose_list.count, "element has", "elements have"),
			              tm_buf_str(&loose));
		}
		if (unanalysed_list.count) {
			part(reason);
			tm_buf_printf(
			    reason,
			    "%zu boundary-crossing %s not analysed (out of scope or no rule for flows, and "
			    "no threat, mitigation or acceptance on it): %s",
			    unanalysed_list.count, plural(unanalysed_list.count, "flow is", "flows are"),
			    tm_buf_str(&unanalysed));
		}
	}
	tm_buf_free(&loose);
	tm_buf_free(&unanalysed);
	return met ? ITEM_MET : ITEM_UNMET;
}

/* ---- 2. STRIDE on every element ---- */

static item_state check_stride(const tm_session *session, tm_buf *reason)
{
	const tm_model *model = session->model;
	if (!session->rules || session->options.no_rules) {
		tm_buf_puts(reason, "no rule packs ran");
		return ITEM_UNMET;
	}
	size_t in_scope = 0, flows_in_scope = 0;
	tm_buf out_of_scope = TM_BUF_INIT, unconsidered = TM_BUF_INIT;
	name_list excluded = {&out_of_scope, 0}, ignored = {&unconsidered, 0};
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *el = model->elements[i];
		if (el->kind != TM_EL_EXTERNAL && el->kind != TM_EL_PROCESS && el->kind != TM_EL_STORE &&
		    el->kind != TM_EL_FLOW)
			continue;
		if (!el->in_scope) {
			list_add(&excluded, el->key);
			continue;
		}
		if (el->kind == TM_EL_FLOW)
			flows_in_scope++;
		else
			in_scope++;
		/* No STRIDE rule (of any pack) applies to its kind, or their
		 * `requires` and `unless` filters all leave it out: nobody asked
		 * the element's STRIDE questions. */
		if (!tm_rules_considers(session->rules, el, "STRIDE"))
			list_add(&ignored, el->key);
	}
	list_end(&excluded);
	list_end(&ignored);
	size_t total = in_scope + flows_in_scope;
	item_state state = ITEM_MET;
	if (ignored.count) {
		tm_buf_printf(reason,
		              "%zu of %zu elements and flows in scope considered by no STRIDE rule: %s",
		              ignored.count, total, tm_buf_str(&unconsidered));
		if (!pack_loaded(session->rules, "stride"))
			tm_buf_puts(reason, " (the stride pack is not loaded: use \"stride\")");
		state = ITEM_UNMET;
	} else {
		tm_buf_printf(reason, "%zu %s and %zu %s in scope, each considered by a STRIDE rule",
		              in_scope, plural(in_scope, "element", "elements"), flows_in_scope,
		              plural(flows_in_scope, "flow", "flows"));
		if (excluded.count)
			tm_buf_printf(reason, ", %zu out of scope: %s", excluded.count,
			              tm_buf_str(&out_of_scope));
	}
	tm_buf_free(&unconsidered);
	tm_buf_free(&out_of_scope);
	return state;
}

/* ---- 3. every threat scored ---- */

static item_state check_scored(const tm_session *session, tm_buf *reason)
{
	tm_buf unscored = TM_BUF_INIT;
	name_list list = {&unscored, 0};
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_finding *f = &session->findings.items[i];
		if (!(f->likelihood > 0) || !(f->impact > 0))
			list_add(&list, f->id);
	}
	list_end(&list);
	size_t total = session->findings.count;
	if (list.count)
		tm_buf_printf(reason, "%zu %s no likelihood or impact: %s", list.count,
		              plural(list.count, "threat has", "threats have"), tm_buf_str(&unscored));
	else if (total)
		tm_buf_printf(reason, "%zu %s, each with likelihood, impact and risk", total,
		              plural(total, "finding", "findings"));
	else
		tm_buf_puts(reason, "no findings");
	tm_buf_free(&unscored);
	return list.count ? ITEM_UNMET : ITEM_MET;
}

/* ---- 4. HIGH and CRITICAL answered ---- */

static item_state check_serious(const tm_session *session, tm_buf *reason)
{
	tm_buf open = TM_BUF_INIT;
	name_list list = {&open, 0};
	size_t serious = 0;
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_finding *f = &session->findings.items[i];
		/* Open questions (`check`) are not threats: they ask for an attribute. */
		if (f->risk < TM_RISK_HIGH ||
		    (f->about->category && strcmp(f->about->category, "check") == 0))
			continue;
		serious++;
		if (f->status == TM_STATUS_OPEN || f->status == TM_STATUS_EXPIRED)
			list_add(&list, f->id);
	}
	list_end(&list);
	if (list.count)
		tm_buf_printf(
		    reason, "%zu of %zu HIGH/CRITICAL %s neither a mitigation nor a valid acceptance: %s",
		    list.count, serious, plural(list.count, "threat has", "threats have"), tm_buf_str(&open));
	else if (serious)
		tm_buf_printf(reason, "%zu HIGH/CRITICAL %s, each mitigated, planned or accepted", serious,
		              plural(serious, "threat", "threats"));
	else
		tm_buf_puts(reason, "no HIGH or CRITICAL threats");
	tm_buf_free(&open);
	return list.count ? ITEM_UNMET : ITEM_MET;
}

/* ---- 5. residual risks ---- */

static item_state check_residual(const tm_session *session, tm_buf *reason)
{
	const tm_model *model = session->model;
	tm_buf undocumented = TM_BUF_INIT, expired = TM_BUF_INIT;
	name_list bad = {&undocumented, 0}, late = {&expired, 0};
	for (size_t i = 0; i < model->nacceptances; i++) {
		const tm_acceptance *a = &model->acceptances[i];
		const char *what = a->finding ? a->finding : "(unnamed)";
		if (!a->by || !*a->by || !a->reason || !*a->reason)
			list_add(&bad, what);
		else if (a->until != TM_NO_DATE && a->until < session->options.today)
			list_add(&late, what);
	}
	list_end(&bad);
	list_end(&late);
	/* Every open risk is mitigated, planned or accepted: INFO needs no
	 * action, and an open question (`check`) is not a risk. */
	tm_buf unanswered = TM_BUF_INIT;
	name_list open = {&unanswered, 0};
	for (size_t i = 0; i < session->findings.count; i++) {
		const tm_finding *f = &session->findings.items[i];
		if (f->status != TM_STATUS_OPEN || f->risk < TM_RISK_LOW ||
		    (f->about->category && strcmp(f->about->category, "check") == 0))
			continue;
		list_add(&open, f->id);
	}
	list_end(&open);
	if (open.count) {
		tm_buf_printf(reason, "%zu open %s neither mitigated, planned nor accepted: %s", open.count,
		              plural(open.count, "risk is", "risks are"), tm_buf_str(&unanswered));
	}
	tm_buf_free(&unanswered);
	if (bad.count) {
		part(reason);
		tm_buf_printf(reason, "%zu %s no reason or no `by`: %s", bad.count,
		              plural(bad.count, "acceptance has", "acceptances have"),
		              tm_buf_str(&undocumented));
	}
	if (late.count) {
		part(reason);
		tm_buf_printf(reason, "%zu %s expired: %s", late.count,
		              plural(late.count, "acceptance has", "acceptances have"), tm_buf_str(&expired));
	}
	bool met = !open.count && !bad.count && !late.count;
	if (met && model->nacceptances)
		tm_buf_printf(
		    reason,
		    "every open risk mitigated, planned or accepted; %zu %s, each with a reason and `by`",
		    model->nacceptances, plural(model->nacceptances, "acceptance", "acceptances"));
	else if (met)
		tm_buf_puts(reason, "every open risk mitigated or planned; no risks accepted");
	tm_buf_free(&undocumented);
	tm_buf_free(&expired);
	return met ? ITEM_MET : ITEM_UNMET;
}

/* ---- 6. LINDDUN when there is personal data ---- */

static item_state check_privacy(const tm_session *session, tm_buf *reason)
{
	const tm_model *model = session->model;
	tm_buf assets = TM_BUF_INIT;
	name_list pii = {&assets, 0};
	for (size_t i = 0; i < model->nelements; i++) {
		const tm_element *asset = model->elements[i];
		if (asset->kind != TM_EL_ASSET || !asset->pii)
			continue;
		/* Personal data counts when an in-scope element keeps or moves it. */
		bool used = false;
		for (size_t j = 0; j < model->nelements && !used; j++) {
			const tm_element *el = model->elements[j];
			if (el->kind == TM_EL_ASSET || !el->in_scope)
				continue;
			for (size_t k = 0; k < el->nassets && !used; k++)
				used = el->assets[k] == asset;
		}
		if (used)
			list_add(&pii, asset->key);
	}
	list_end(&pii);
	item_state state = ITEM_MET;
	if (!pii.count)
		tm_buf_puts(reason, "no personal data in the model");
	else if (session->rules && pack_loaded(session->rules, "linddun"))
		tm_buf_printf(reason, "personal data %s; the linddun pack ran", tm_buf_str(&assets));
	else {
		tm_buf_printf(reason,
		              "personal data %s, but the linddun pack is not loaded (use \"linddun\")",
		              tm_buf_str(&assets));
		state = ITEM_UNMET;
	}
	tm_buf_free(&assets);
	return state;
}

/* ---- 7. next review ---- */

static item_state check_review(const tm_session *session, tm_buf *reason)
{
	int32_t next = session->model->meta.next_review;
	char date[11];
	if (next == TM_NO_DATE) {
		tm_buf_puts(reason, "the model states no `next_review`");
		return ITEM_UNMET;
	}
	tm_date_format(next, date);
	if (next < session->options.today) {
		char today[11];
		tm_date_format(session->options.today, today);
		tm_buf_printf(reason, "next_review %s has passed (today %s)", date, today);
		return ITEM_UNMET;
	}
	tm_buf_printf(reason, "next review %s", date);
	return ITEM_MET;
}

/* ---- 8. wiki path, 9. README link: answered from the repository ---- */

static item_state check_wiki(const tm_session *session, tm_buf *reason)
{
	const tm_repo_facts *repo = session->model->repo;
	if (repo && repo->wiki) {
		tm_buf_puts(reason, "`wiki` ");
		tm_term_sanitize(reason, repo->wiki);
		tm_buf_puts(reason,
		            repo->wiki_exists ? " is in the repository" : " is not a file in the repository");
		return repo->wiki_exists ? ITEM_MET : ITEM_UNMET;
	}
	if (repo && repo->wiki_found) {
		tm_term_sanitize(reason, repo->wiki_found);
		tm_buf_puts(reason, " is in the repository");
		return ITEM_MET;
	}
	const tm_attr *client =
	    session->model->meta.decl ? tm_decl_attr(session->model->meta.decl, "client") : NULL;
	tm_buf_puts(reason, repo ? "no `wiki` stated and no " : "check by hand: ");
	tm_buf_puts(reason, "wiki/docs/clients/{client}/security/threat-model.md");
	if (repo)
		tm_buf_puts(reason, " in the repository");
	if (client && client->value &&
	    (client->value->kind == TM_VAL_STRING || client->value->kind == TM_VAL_IDENT)) {
		tm_buf_puts(reason, ", client \"");
		tm_term_sanitize(reason, client->value->text);
		tm_buf_putc(reason, '"');
	}
	return repo ? ITEM_UNMET : ITEM_MANUAL;
}

static item_state check_readme(const tm_session *session, tm_buf *reason)
{
	const tm_repo_facts *repo = session->model->repo;
	if (!repo) {
		tm_buf_puts(reason, "check by hand: no repository (`--repo DIR`)");
		return ITEM_MANUAL;
	}
	if (!repo->model_path) {
		tm_buf_puts(reason, "the model lies outside the repository");
		return ITEM_UNMET;
	}
	if (!repo->readme) {
		tm_buf_puts(reason, "the repository has no README");
		return ITEM_UNMET;
	}
	tm_term_sanitize(reason, repo->readme);
	tm_buf_puts(reason, repo->readme_links_model ? " links " : " does not link ");
	tm_term_sanitize(reason, repo->model_path);
	return repo->readme_links_model ? ITEM_MET : ITEM_UNMET;
}

void tm_review_selfcheck(tm_buf *out, const tm_session *session, bool color, bool *all_met)
{
	*all_met = false;
	if (!session || !session->model || session->model_failed) {
		tm_buf_puts(out, "Self-check: the model has errors; fix them first.\n");
		return;
	}
	static const struct {
		const char *text;
		item_state (*check)(const tm_session *, tm_buf *);
	} items[] = {
	    {"DFD drawn with all elements, flows, and trust boundaries", check_dfd},
	    {"STRIDE applied to every element", check_stride},
	    {"risk scored for every identified threat", check_scored},
	    {"mitigations documented for HIGH and CRITICAL threats", check_serious},
	    {"residual risks explicitly documented and accepted", check_residual},
	    {"privacy threats assessed (LINDDUN) if PII involved", check_privacy},
	    {"review scheduled for next architecture change", check_review},
	    {"stored at correct wiki path", check_wiki},
	    {"linked from the project README", check_readme},
	};
	size_t counts[3] = {0};
	tm_buf reason = TM_BUF_INIT;
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		tm_buf_clear(&reason);
		item_state state = items[i].check(session, &reason);
		item(out, color, state, items[i].text, &reason, counts);
	}
	tm_buf_free(&reason);
	size_t answered = counts[ITEM_MET] + counts[ITEM_UNMET];
	tm_buf_printf(out, "\n%zu of %zu items met", counts[ITEM_MET], answered);
	if (counts[ITEM_MANUAL])
		tm_buf_printf(out, ", %zu to check by hand", counts[ITEM_MANUAL]);
	tm_buf_puts(out, counts[ITEM_UNMET] ? " — the threat model is not complete\n" : "\n");
	*all_met = counts[ITEM_UNMET] == 0;
}
