/* The shorthand every file that emits LLVM arithmetic next to a kernel builder uses: B is the
 * LLVM builder of the `kb` in scope (kernel_builder.h has the constants, kb_const_i32/f32). */
#ifndef DLCC_CODEGEN_LLVM_BUILD_H
#define DLCC_CODEGEN_LLVM_BUILD_H

#include "codegen/kernel_builder.h"

#define B (kb_llvm_builder(kb))

#endif
