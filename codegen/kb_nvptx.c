/* NVPTX specifics: special registers, warp shuffles and the nvvm.annotations that mark
 * kernels and their launch bounds. */
#include <stdio.h>
#include <string.h>

#include "codegen/kb_internal.h"

LLVMValueRef kb_nvptx_sreg(kernel_builder *kb, const char *register_name, kb_dim dim) {
  char name[64];
  snprintf(name, sizeof name, "llvm.nvvm.read.ptx.sreg.%s.%c", register_name, "xyz"[dim]);
  return kb_intrinsic(kb, name, kb->i32, NULL, 0, NULL, 0);
}

static LLVMValueRef shuffle_32(kernel_builder *kb, const char *mode, LLVMValueRef value,
                               LLVMValueRef lane) {
  int is_float = LLVMGetTypeKind(LLVMTypeOf(value)) == LLVMFloatTypeKind;
  char name[64];
  snprintf(name, sizeof name, "llvm.nvvm.shfl.sync.%s.%s", mode, is_float ? "f32" : "i32");
  /* mask: all lanes; the whole warp is one segment: clamp 31, except 0 for up. */
  LLVMValueRef args[4] = {LLVMConstInt(kb->i32, 0xffffffffu, 0), value, lane,
                          kb_const_i32(kb, mode[0] == 'u' ? 0 : 31)};
  return kb_intrinsic(kb, name, LLVMTypeOf(value), NULL, 0, args, 4);
}

LLVMValueRef kb_nvptx_shuffle(kernel_builder *kb, const char *mode, LLVMValueRef value,
                              LLVMValueRef lane) {
  LLVMTypeRef type = LLVMTypeOf(value);
  if (type == kb->i32 || type == kb->f32)
    return shuffle_32(kb, mode, value, lane);
  /* 64-bit values move as two 32-bit halves. */
  LLVMBuilderRef b = kb->builder;
  LLVMValueRef bits = type == kb->i64 ? value : LLVMBuildBitCast(b, value, kb->i64, "");
  LLVMValueRef low = shuffle_32(kb, mode, LLVMBuildTrunc(b, bits, kb->i32, ""), lane);
  LLVMValueRef high =
      LLVMBuildTrunc(b, LLVMBuildLShr(b, bits, LLVMConstInt(kb->i64, 32, 0), ""), kb->i32, "");
  high = shuffle_32(kb, mode, high, lane);
  LLVMValueRef joined = LLVMBuildOr(
      b, LLVMBuildZExt(b, low, kb->i64, ""),
      LLVMBuildShl(b, LLVMBuildZExt(b, high, kb->i64, ""), LLVMConstInt(kb->i64, 32, 0), ""), "");
  return type == kb->i64 ? joined : LLVMBuildBitCast(b, joined, type, "");
}

static void annotate(kernel_builder *kb, const char *key, unsigned value) {
  LLVMMetadataRef fields[3] = {
      LLVMValueAsMetadata(kb->k.function),
      LLVMMDStringInContext2(kb->context, key, strlen(key)),
      LLVMValueAsMetadata(LLVMConstInt(kb->i32, value, 0)),
  };
  LLVMMetadataRef node = LLVMMDNodeInContext2(kb->context, fields, 3);
  LLVMAddNamedMetadataOperand(kb->module, "nvvm.annotations",
                              LLVMMetadataAsValue(kb->context, node));
}

void kb_nvptx_annotate(kernel_builder *kb) {
  annotate(kb, "kernel", 1);
  annotate(kb, "maxntidx", kb->k.info.max_threads);
  annotate(kb, "maxntidy", 1);
  annotate(kb, "maxntidz", 1);
}
