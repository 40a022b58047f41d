/* Internal to src/model: the flood of requests from the external entities
 * that gives every element its exposure (doc/language.md "Exposure"). The
 * resolver keeps the levels; tm_model_exposure_paths floods again for the
 * path behind them, so the model carries no path per element. */
#ifndef TM_MODEL_EXPOSURE_H
#define TM_MODEL_EXPOSURE_H

#include <stdint.h>

#include "model/model.h"

/* For every element index: level[i] the exposure of a process or store
 * (a child: its top-level process's) or of an external (its zone's), 0 for
 * the other kinds; via[i] and origin[i], when the arrays are given, the
 * element whose requests give it that level and the external those
 * requests start at (NULL for an external and for an element no request
 * reaches). Externals' zones must be resolved. */
void tm_exposure_flood(const tm_model *model, uint8_t *level, tm_element **via, tm_element **origin);

#endif
