/* The views rules see (doc/rules.md "Views"): opening them once per
 * engine, and starting and ending the runs that show a model through
 * them. Element views and lists of views (element_view.c), finding views
 * (phase 2, possibly a million) and finding lists (finding_view.c) are
 * userdata with one shared metatable per kind; the model view
 * (model_view.c) and attribute tables (attr_tables.c) are read-only
 * proxies (proxy.c). Elements with equal attributes share one attr table,
 * and equal lists one list, for a run ("shared tables"). */
#include <stdlib.h>

#include <lauxlib.h>

#include "rules/views.h"

void tm_rules_views_open(tm_rules *rules)
{
	lua_State *L = rules->L;
	tm_rules_element_views_open(rules);
	tm_rules_finding_views_open(rules);

	rules->views = rules->kinds = rules->model_view = rules->attrs.tables = rules->lists.tables =
	    LUA_NOREF;

	lua_createtable(L, TM_LF_COUNT + TM_IF_COUNT, 0);
	for (int i = 0; i < TM_LF_COUNT; i++) {
		rules->likelihood_names[i] = lua_pushstring(L, tm_likelihood_factor_names[i]);
		lua_rawseti(L, -2, i + 1);
	}
	for (int i = 0; i < TM_IF_COUNT; i++) {
		rules->impact_names[i] = lua_pushstring(L, tm_impact_factor_names[i]);
		lua_rawseti(L, -2, TM_LF_COUNT + i + 1);
	}
	luaL_ref(L, LUA_REGISTRYINDEX);
}

static void unref(lua_State *L, int *ref)
{
	luaL_unref(L, LUA_REGISTRYINDEX, *ref);
	*ref = LUA_NOREF;
}

void tm_rules_views_begin(tm_rules *rules, const tm_model *model, int32_t today, bool reuse)
{
	lua_State *L = rules->L;
	reuse = reuse && rules->views != LUA_NOREF && rules->views_model == model;
	/* Phase 2 keeps phase 1's model view too (the same model, the same
	 * day), so what packs cached per model (threatlib's per_model: word
	 * indexes, the model's personal data...) is not worked out again;
	 * only its findings are phase 2's own. */
	bool same_model_view = reuse && rules->model_view != LUA_NOREF && rules->today == today;
	tm_rules_views_end(rules, reuse);
	rules->model = model;
	rules->gdpr = -1;
	rules->today = today;
	if (same_model_view) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, rules->model_view);
		tm_rules_push_readonly_data(L, -1);
		lua_pushliteral(L, "findings");
		lua_pushnil(L);
		lua_rawset(L, -3);
		lua_pop(L, 2);
		return;
	}
	unref(L, &rules->model_view);
	if (!reuse) {
		rules->generation++;
		rules->views_model = model;
		lua_createtable(L, model->nelements < 1u << 26 ? (int)model->nelements : 0, 0);
		rules->views = luaL_ref(L, LUA_REGISTRYINDEX);
		lua_newtable(L);
		rules->kinds = luaL_ref(L, LUA_REGISTRYINDEX);
	}

	tm_rules_push_model_view(rules, model, today);
	rules->model_view = luaL_ref(L, LUA_REGISTRYINDEX);
}

void tm_rules_views_findings(tm_rules *rules, const tm_findings *findings, size_t count)
{
	rules->findings = (tm_findings *)findings;
	rules->nfindings_seen = count;
	free(rules->findings_by_id);
	rules->findings_by_id = NULL;
}

void tm_rules_views_end(tm_rules *rules, bool keep)
{
	lua_State *L = rules->L;
	if (!keep) {
		unref(L, &rules->views);
		unref(L, &rules->kinds);
		rules->views_model = NULL;
		free(rules->crossed_start);
		free(rules->crossed_flows);
		rules->crossed_start = NULL;
		rules->crossed_flows = NULL;
		for (int k = 0; k < TM_EL_COUNT; k++) {
			free(rules->kind_elements[k]);
			rules->kind_elements[k] = NULL;
			rules->nkind_elements[k] = 0;
			rules->kind_gathered[k] = false;
		}
		tm_rules_shared_drop(L, &rules->attrs);
		tm_rules_shared_drop(L, &rules->lists);
		unref(L, &rules->model_view);
	}
	rules->model = NULL;
	rules->findings = NULL;
	rules->nfindings_seen = 0;
	free(rules->findings_by_id);
	rules->findings_by_id = NULL;
}
