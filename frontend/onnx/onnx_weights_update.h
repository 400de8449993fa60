/* Writes an ONNX model back with new initializer values: `dlcc train -o trained.onnx` puts
 * the trained weights (and running statistics) into the model it was given, so that every
 * other tool reads the result as the same model with other numbers. */
#ifndef DLCC_FRONTEND_ONNX_WEIGHTS_UPDATE_H
#define DLCC_FRONTEND_ONNX_WEIGHTS_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/type.h"

typedef struct dl_onnx_weight {
  const char *name; /* an initializer of the model's main graph */
  ir_type type;     /* must equal the initializer's element type and dims */
  const void *data; /* little-endian elements */
} dl_onnx_weight;

/* Unpacks the model in `bytes` (`path` names it in messages), replaces the data of each named
 * initializer by the given one (written as raw_data; one kept in an external file before is
 * written inline), writes every Dropout of the main graph in inference form (its training_mode
 * input removed: a trained model runs as torch's model.eval()), and packs the result into
 * `*out_bytes` (malloc'ed; the caller frees it).
 * An unknown name or a type that differs is an error naming the weight. 0, or -1. */
int dl_onnx_replace_initializers(const uint8_t *bytes, size_t size, const char *path,
                                 const dl_onnx_weight *weights, int count, uint8_t **out_bytes,
                                 size_t *out_size, dl_diag *diag);

#endif
