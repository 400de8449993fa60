/* The pointwise map root (pw_lower_group): a group whose nodes are all elementwise or views
 * becomes one kernel writing every result element from the group's reads. Broadcast-only
 * groups load each read once per element through a collapsed broadcast plan, 4 consecutive
 * elements a thread with vector accesses where every read is contiguous or constant along
 * groups of 4; groups with views or transposes evaluate each element by its coordinates;
 * packed (4- and 2-bit) results are written a whole byte a thread. */
#include "codegen/ops/group.h"
#include "codegen/ops/pointwise_util.h"

#include <stdlib.h>

#include "codegen/llvm_build.h"
#include "ir/infer.h"

enum { VECTOR_WIDTH = 4 };

typedef enum vector_access { ACCESS_CONTIGUOUS, ACCESS_SPLAT } vector_access;

/* Whether groups of VECTOR_WIDTH outputs starting at multiples of VECTOR_WIDTH map to
 * VECTOR_WIDTH consecutive, aligned elements (or one element) of every operand. Buffers
 * are 256-byte aligned (DL_BUFFER_ALIGN), so such groups are vector-aligned. */
static bool vectorizable(const pw_broadcast *plan, int64_t count, vector_access *access) {
  if (!plan->strides || plan->rank == 0 || count % VECTOR_WIDTH != 0 ||
      plan->dims[plan->rank - 1] % VECTOR_WIDTH != 0)
    return false;
  for (int k = 0; k < plan->operand_count; k++) {
    int64_t inner = plan->strides[k][plan->rank - 1];
    if (inner != 0 && inner != 1)
      return false;
    access[k] = inner == 1 ? ACCESS_CONTIGUOUS : ACCESS_SPLAT;
    /* A contiguous group starts at an aligned element only if every outer stride keeps
     * it there; a splat reads one element and needs no alignment. */
    for (int d = 0; d + 1 < plan->rank && inner == 1; d++)
      if (plan->strides[k][d] % VECTOR_WIDTH != 0)
        return false;
  }
  return true;
}

/* The element of read `read` this lane loaded (broadcast-only groups). */
static LLVMValueRef loaded_read(kernel_builder *kb, const lower_group *group, int read,
                                group_index *index, void *user) {
  (void)kb, (void)group, (void)index;
  return ((LLVMValueRef *)user)[read];
}

/* Every result's element from the read elements in `values`, one lane. */
static void evaluate_results(lower_group *group, LLVMValueRef *values, group_index *index,
                             LLVMValueRef *out) {
  group_forget(group);
  group->read = loaded_read;
  group->read_user = values;
  group->flat = true;
  for (int r = 0; r < group->result_count; r++)
    out[r] = group_evaluate(group, group->results[r], index);
}

typedef struct map_plan {
  pw_broadcast broadcast;
  vector_access *access;
  LLVMValueRef *offsets, *loaded, *values, *results;
  int64_t count;
  uint32_t grid;
} map_plan;

static void map_body_vector(lower_group *group, map_plan *m) {
  kernel_builder *kb = group->kb;
  LLVMValueRef j = pw_grid_stride_begin(kb, m->count / VECTOR_WIDTH, m->grid);
  LLVMValueRef first = LLVMBuildMul(B, j, kb_const_i32(kb, VECTOR_WIDTH), "first");
  pw_broadcast_offsets(kb, &m->broadcast, first, m->offsets);
  for (int k = 0; k < group->read_count; k++) {
    ir_dtype dtype = group->reads[k]->type.dtype;
    m->loaded[k] =
        m->access[k] == ACCESS_CONTIGUOUS
            ? pw_load_vector(kb, dtype, kb_param_value(kb, k), m->offsets[k], VECTOR_WIDTH)
            : pw_load(kb, dtype, kb_param_value(kb, k), m->offsets[k]);
  }
  LLVMValueRef *vectors = m->results + group->result_count;
  for (int r = 0; r < group->result_count; r++)
    vectors[r] = LLVMGetUndef(
        LLVMVectorType(pw_storage_type(kb, group->results[r]->type.dtype), VECTOR_WIDTH));
  for (int lane = 0; lane < VECTOR_WIDTH; lane++) {
    for (int k = 0; k < group->read_count; k++)
      m->values[k] = m->access[k] == ACCESS_CONTIGUOUS
                         ? LLVMBuildExtractElement(B, m->loaded[k], kb_const_i32(kb, lane), "")
                         : m->loaded[k];
    group_index index = group_index_linear(
        &group->results[0]->type, LLVMBuildAdd(B, first, kb_const_i32(kb, lane), ""));
    evaluate_results(group, m->values, &index, m->results);
    for (int r = 0; r < group->result_count; r++)
      vectors[r] = LLVMBuildInsertElement(B, vectors[r], m->results[r], kb_const_i32(kb, lane), "");
  }
  for (int r = 0; r < group->result_count; r++)
    pw_store_vector(kb, group->results[r]->type.dtype,
                    kb_param_value(kb, group->read_count + r), first, vectors[r]);
  pw_grid_stride_end(kb);
}

/* Every result's element `i` into m->results. */
static void evaluate_element(lower_group *group, map_plan *m, LLVMValueRef i) {
  kernel_builder *kb = group->kb;
  group_index index = group_index_linear(&group->results[0]->type, i);
  if (group->indexed) { /* every read loaded at its own coordinates by the evaluator */
    group_forget(group);
    group->read = NULL;
    group->flat = false;
    for (int r = 0; r < group->result_count; r++)
      m->results[r] = group_evaluate(group, group->results[r], &index);
  } else {
    pw_broadcast_offsets(kb, &m->broadcast, i, m->offsets);
    for (int k = 0; k < group->read_count; k++)
      m->values[k] =
          pw_load(kb, group->reads[k]->type.dtype, kb_param_value(kb, k), m->offsets[k]);
    evaluate_results(group, m->values, &index, m->results);
  }
}

static void map_body_scalar(lower_group *group, map_plan *m) {
  kernel_builder *kb = group->kb;
  LLVMValueRef i = pw_grid_stride_begin(kb, m->count, m->grid);
  evaluate_element(group, m, i);
  for (int r = 0; r < group->result_count; r++)
    pw_store(kb, group->results[r]->type.dtype, kb_param_value(kb, group->read_count + r), i,
             m->results[r]);
  pw_grid_stride_end(kb);
}

/* The most elements of one result that share a byte (1 when no result is packed). */
static int packed_items(const lower_group *group) {
  int most = 1;
  for (int r = 0; r < group->result_count; r++) {
    ir_dtype dtype = group->results[r]->type.dtype;
    if (ir_dtype_is_packed(dtype) && 8 / ir_dtype_bits(dtype) > most)
      most = 8 / ir_dtype_bits(dtype);
  }
  return most;
}

/* Packed results: a thread computes `items` consecutive elements (the past-the-end ones of
 * the last item at the last element, then dropped) and writes whole bytes, so no two threads
 * write one byte. Results that are not packed are stored element by element. */
static void map_body_packed(lower_group *group, map_plan *m, int items) {
  kernel_builder *kb = group->kb;
  LLVMValueRef j = pw_grid_stride_begin(kb, (m->count + items - 1) / items, m->grid);
  LLVMValueRef first = LLVMBuildMul(B, j, kb_const_i32(kb, items), "first");
  LLVMValueRef *bytes = m->results + group->result_count;
  LLVMValueRef last = kb_const_i32(kb, m->count - 1);
  for (int lane = 0; lane < items; lane++) {
    LLVMValueRef i = LLVMBuildAdd(B, first, kb_const_i32(kb, lane), "");
    LLVMValueRef inside = LLVMBuildICmp(B, LLVMIntSLE, i, last, "");
    evaluate_element(group, m, LLVMBuildSelect(B, inside, i, last, ""));
    for (int r = 0; r < group->result_count; r++) {
      ir_dtype dtype = group->results[r]->type.dtype;
      LLVMValueRef base = kb_param_value(kb, group->read_count + r);
      if (!ir_dtype_is_packed(dtype)) {
        kb_if_begin(kb, inside);
        pw_store(kb, dtype, base, i, m->results[r]);
        kb_if_end(kb);
        continue;
      }
      int per_byte = 8 / ir_dtype_bits(dtype), slot = lane % per_byte;
      LLVMValueRef none = LLVMConstInt(LLVMInt8TypeInContext(kb_context(kb)), 0, 0);
      LLVMValueRef bits =
          LLVMBuildSelect(B, inside, pw_pack_element(kb, dtype, m->results[r], slot), none, "");
      bytes[r] = slot == 0 ? bits : LLVMBuildOr(B, bytes[r], bits, "");
      if (slot != per_byte - 1)
        continue;
      /* The byte's first element decides whether the byte is part of the result. */
      LLVMValueRef start = LLVMBuildAdd(B, first, kb_const_i32(kb, lane - slot), "");
      kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLE, start, last, ""));
      pw_store_packed_byte(kb, base, LLVMBuildUDiv(B, start, kb_const_i32(kb, per_byte), ""),
                           bytes[r]);
      kb_if_end(kb);
    }
  }
  pw_grid_stride_end(kb);
}

/* How read k broadcasts onto the results: its own shape, or in a group of one the shape
 * its node sees it as (BatchNormalization's [C] parameters as [C, 1, 1]). */
static const ir_type *read_shape(const lower_group *group, int k, ir_type *storage) {
  const ir_value *read = group->reads[k];
  if (group->region || group->read_args[k].kind != LOWER_ARG_INPUT)
    return &read->type;
  group_operand_shape(group->node, group->read_args[k].index, storage);
  return storage;
}

/* Packed values are read and written by element, never as vectors. */
static bool has_packed_value(const lower_group *group) {
  for (int k = 0; k < group->read_count; k++)
    if (ir_dtype_is_packed(group->reads[k]->type.dtype))
      return true;
  return packed_items(group) > 1;
}

static int check_values(lower_context *ctx, const lower_group *group, int64_t *count) {
  for (int r = 0; r < group->result_count; r++)
    if (pw_check_value(ctx, group->node, group->results[r], "output", count) != 0)
      return -1;
  for (int k = 0; k < group->read_count; k++)
    if (pw_check_value(ctx, group->node, group->reads[k], "input", NULL) != 0)
      return -1;
  return 0;
}

int pw_lower_group(lower_context *ctx, lower_result *out) {
  lower_group *group = ctx->group;
  int reads = group->read_count, results = group->result_count;
  map_plan m = {0};
  if (check_values(ctx, group, &m.count) != 0)
    return -1;
  const ir_type **shapes = calloc((size_t)reads + 1, sizeof(*shapes));
  ir_type *storage = calloc((size_t)reads + 1, sizeof(*storage));
  m.access = calloc((size_t)reads + 1, sizeof(*m.access));
  m.offsets = calloc((size_t)reads + 1, sizeof(LLVMValueRef));
  m.loaded = calloc((size_t)reads + 1, sizeof(LLVMValueRef));
  m.values = calloc((size_t)reads + 1, sizeof(LLVMValueRef));
  m.results = calloc(2 * (size_t)results + 1, sizeof(LLVMValueRef));
  int status = -1;
  if (!shapes || !storage || !m.access || !m.offsets || !m.loaded || !m.values || !m.results) {
    dl_error(ctx->diag, "out of memory");
    goto done;
  }
  for (int k = 0; k < reads; k++)
    shapes[k] = read_shape(group, k, &storage[k]);
  bool vector = false;
  if (!group->indexed) {
    if (pw_broadcast_plan(&group->results[0]->type, shapes, reads, &m.broadcast) != 0) {
      dl_error(ctx->diag, "out of memory");
      goto done;
    }
    vector = !has_packed_value(group) && vectorizable(&m.broadcast, m.count, m.access);
  }
  int items = packed_items(group);
  m.grid = pw_grid_for(vector ? m.count / VECTOR_WIDTH : (m.count + items - 1) / items);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, group->node, "map"), m.grid, PW_BLOCK);
  lower_group_bind(group, launch);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    goto done;
  if (vector)
    map_body_vector(group, &m);
  else if (items > 1)
    map_body_packed(group, &m, items);
  else
    map_body_scalar(group, &m);
  status = kb_kernel_end(ctx->kb);
done:
  pw_broadcast_deinit(&m.broadcast);
  free(shapes);
  free(storage);
  free(m.access);
  free(m.offsets);
  free(m.loaded);
  free(m.values);
  free(m.results);
  return status;
}

bool pw_map_is_vectorized(const ir_node *node, const int *inputs, const ir_type *const *shapes_as,
                          int input_count) {
  int64_t count = 0;
  if (!ir_type_element_count(&node->outputs[0]->type, &count))
    return false;
  const ir_type **shapes = calloc((size_t)input_count + 1, sizeof(*shapes));
  vector_access *access = calloc((size_t)input_count + 1, sizeof(*access));
  pw_broadcast plan = {0};
  bool vector = false;
  if (shapes && access) {
    for (int k = 0; k < input_count; k++)
      shapes[k] = shapes_as ? shapes_as[k] : &node->inputs[inputs[k]]->type;
    bool packed = ir_dtype_is_packed(node->outputs[0]->type.dtype);
    for (int k = 0; k < input_count; k++)
      packed |= ir_dtype_is_packed(shapes[k]->dtype);
    vector = !packed &&
             pw_broadcast_plan(&node->outputs[0]->type, shapes, input_count, &plan) == 0 &&
             vectorizable(&plan, count, access);
  }
  pw_broadcast_deinit(&plan);
  free(shapes);
  free(access);
  return vector;
}
