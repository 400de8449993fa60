/* The model's states, shared by get/set (model_state.c) and checkpoints (state_file.c). */
#ifndef DLRT_RUNTIME_MODEL_STATE_H
#define DLRT_RUNTIME_MODEL_STATE_H

#include "runtime/model.h"

/* DLRT_STATUS_INVALID_ARGUMENT (named after `call`) for a NULL model or buffer or an index
 * out of range. */
int dlrt_model_state_check(const dlrt_model *model, uint32_t index, const void *buffer,
                           const char *call);
/* Copy state `index` (a valid one) out of or into the model's weights, synchronized. */
int dlrt_model_state_read(dlrt_model *model, uint32_t index, void *dst);
int dlrt_model_state_write(dlrt_model *model, uint32_t index, const void *src);

#endif
