/* Conveniences every kernel needs: the global thread index and element loads/stores
 * (in-bounds GEPs with no-wrap index arithmetic, which lets LLVM vectorize host loops). */
#include "codegen/kb_internal.h"

LLVMValueRef kb_global_index(kernel_builder *kb, kb_dim dim) {
  if (kb_check_in_kernel(kb, "kb_global_index") != 0 || (unsigned)dim > KB_Z)
    return kb_placeholder(kb, kb->i32);
  LLVMValueRef base =
      LLVMBuildNSWMul(kb->builder, kb_block_index(kb, dim), kb_block_dim(kb, dim), "");
  return LLVMBuildNSWAdd(kb->builder, base, kb_thread_index(kb, dim), "global_index");
}

static LLVMValueRef element_address(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base,
                                    LLVMValueRef index) {
  return LLVMBuildInBoundsGEP2(kb->builder, type, base, &index, 1, "");
}

static int check_access(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index,
                        const char *what) {
  if (kb_check_in_kernel(kb, what) != 0)
    return -1;
  if (!base || LLVMGetTypeKind(LLVMTypeOf(base)) != LLVMPointerTypeKind || !index ||
      LLVMGetTypeKind(LLVMTypeOf(index)) != LLVMIntegerTypeKind)
    return kb_fail(kb, "%s needs a pointer and an integer index", what);
  return 0;
}

/* The position is noted after the arguments were built (a C compiler may evaluate the
 * KB_SOURCE argument before or after them). */
LLVMValueRef kb_load_element_from(kernel_builder *kb, kb_source source, LLVMTypeRef type,
                                  LLVMValueRef base, LLVMValueRef index) {
  kb_note_source(kb, source);
  if (check_access(kb, base, index, "kb_load_element") != 0 || !type)
    return kb_placeholder(kb, type);
  return LLVMBuildLoad2(kb->builder, type, element_address(kb, type, base, index), "");
}

int kb_store_element_from(kernel_builder *kb, kb_source source, LLVMValueRef base,
                          LLVMValueRef index, LLVMValueRef value) {
  kb_note_source(kb, source);
  if (check_access(kb, base, index, "kb_store_element") != 0)
    return -1;
  if (!value)
    return kb_fail(kb, "kb_store_element needs a value");
  LLVMBuildStore(kb->builder, value, element_address(kb, LLVMTypeOf(value), base, index));
  return 0;
}
