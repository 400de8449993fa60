/* The one mapping from the compiler's element types to the runtime's: both enums expand
 * dlrt/dtypes.def, ir_dtype with IR_DTYPE_INVALID = 0 in front. */
#ifndef DLCC_CODEGEN_PROGRAM_DLRT_DTYPE_H
#define DLCC_CODEGEN_PROGRAM_DLRT_DTYPE_H

#include "dlrt/program.h"
#include "ir/type.h"

#define DLRT_DTYPE_ROW(ENUM, NAME, BITS, ONNX, KIND)                                               \
  _Static_assert((int)IR_DTYPE_##ENUM == (int)DLRT_DTYPE_##ENUM + 1, "ir_dtype of " NAME);
#include "dlrt/dtypes.def"
#undef DLRT_DTYPE_ROW
_Static_assert((int)IR_DTYPE_COUNT == (int)DLRT_DTYPE_COUNT + 1, "ir_dtype count");

/* The dlrt_dtype of a valid ir_dtype. */
static inline uint32_t dl_dlrt_dtype(ir_dtype dtype) { return (uint32_t)dtype - 1; }
/* The ir_dtype of a valid dlrt_dtype. */
static inline ir_dtype dl_ir_dtype(uint32_t dtype) { return (ir_dtype)(dtype + 1); }

#endif
