/* Literal tokens of the text IR turned into numbers and element bytes, with range checks
 * whose errors point at the literal. */
#ifndef DLCC_FRONTEND_TEXT_LITERAL_H
#define DLCC_FRONTEND_TEXT_LITERAL_H

#include <stdint.h>

#include "frontend/text/text_ast.h"
#include "ir/type.h"

/* A decimal integer (no fraction, no exponent) in int64 range. */
int text_literal_int64(text_parser *parser, const text_literal *literal, int64_t *out);
/* A binary32 value (inf, -inf and nan included), read exactly with strtof. */
int text_literal_float(text_parser *parser, const text_literal *literal, float *out);
/* Writes element `index` (little-endian; packed types into their bits) of `data`. */
int text_literal_element(text_parser *parser, const text_literal *literal, ir_dtype dtype,
                         void *data, int64_t index);

#endif
