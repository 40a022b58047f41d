/* Internal to src/model: the resolver entry point that model.c calls once
 * every file is parsed. */
#ifndef TM_MODEL_RESOLVE_H
#define TM_MODEL_RESOLVE_H

#include "base/diag.h"
#include "model/model.h"

/* Resolves the parsed files of `model` into elements, references,
 * boundaries, crossings, exposure, assets, threats, mitigations and
 * acceptances. Every error goes to diags; it never stops at the first. */
void tm_model_resolve(tm_model *model, tm_diags *diags);

#endif
