/* NonMaxSuppression: per batch and class, boxes in descending score order (ties by lower
 * index) are selected unless one already selected overlaps them with an IoU above the
 * threshold, up to max_output_boxes_per_class; rows (batch, class, box) in that order. A
 * thread per (batch, class) takes the next box in order by a scan after the previous one (no
 * sort) and checks it against those it selected, which it lists in the workspace with their
 * count; then one thread (data_dependent.h) packs the lists into rows and writes the dims. */
#include "codegen/ops/data_dependent.h"
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct nms {
  int64_t batches, classes, boxes;
  bool center_point_box;
  LLVMValueRef box_data, scores;
  LLVMValueRef list; /* i32: this (batch, class)'s selected boxes in the workspace */
  LLVMValueRef iou_threshold, score_threshold; /* f32; score_threshold NULL when absent */
} nms;

/* (a, ai) comes before (b, bi): higher score first, then lower index. */
static LLVMValueRef comes_before(kernel_builder *kb, LLVMValueRef a, LLVMValueRef ai,
                                 LLVMValueRef b, LLVMValueRef bi) {
  LLVMValueRef higher = LLVMBuildFCmp(B, LLVMRealOGT, a, b, "");
  LLVMValueRef tie = LLVMBuildAnd(B, LLVMBuildFCmp(B, LLVMRealOEQ, a, b, ""),
                                  LLVMBuildICmp(B, LLVMIntSLT, ai, bi, ""), "");
  return LLVMBuildOr(B, higher, tie, "");
}

static LLVMValueRef smaller(kernel_builder *kb, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, a, b, ""), a, b, "");
}

static LLVMValueRef larger(kernel_builder *kb, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, a, b, ""), a, b, "");
}

/* Box `box` of batch `batch` as x_min, x_max, y_min, y_max. */
static void box_extent(kernel_builder *kb, const nms *n, LLVMValueRef batch, LLVMValueRef box,
                       LLVMValueRef extent[4]) {
  LLVMValueRef base = LLVMBuildMul(
      B, LLVMBuildAdd(B, LLVMBuildMul(B, batch, kb_const_i32(kb, n->boxes), ""), box, ""),
      kb_const_i32(kb, 4), "");
  LLVMValueRef v[4];
  for (int k = 0; k < 4; k++)
    v[k] = pw_load(kb, IR_DTYPE_F32, n->box_data, LLVMBuildAdd(B, base, kb_const_i32(kb, k), ""));
  if (n->center_point_box) { /* x_center, y_center, width, height */
    LLVMValueRef half = kb_const_f32(kb, 0.5);
    LLVMValueRef w = LLVMBuildFMul(B, v[2], half, ""), h = LLVMBuildFMul(B, v[3], half, "");
    extent[0] = LLVMBuildFSub(B, v[0], w, ""), extent[1] = LLVMBuildFAdd(B, v[0], w, "");
    extent[2] = LLVMBuildFSub(B, v[1], h, ""), extent[3] = LLVMBuildFAdd(B, v[1], h, "");
  } else { /* y1, x1, y2, x2: any two diagonal corners */
    extent[0] = smaller(kb, v[1], v[3]), extent[1] = larger(kb, v[1], v[3]);
    extent[2] = smaller(kb, v[0], v[2]), extent[3] = larger(kb, v[0], v[2]);
  }
}

/* Whether boxes a and b overlap with an IoU above the threshold (i1); empty boxes and
 * intersections never do. */
static LLVMValueRef suppresses(kernel_builder *kb, const nms *n, LLVMValueRef batch, LLVMValueRef a,
                               LLVMValueRef b) {
  LLVMValueRef p[4], q[4], zero = kb_const_f32(kb, 0);
  box_extent(kb, n, batch, a, p);
  box_extent(kb, n, batch, b, q);
  LLVMValueRef x_low = larger(kb, p[0], q[0]), x_high = smaller(kb, p[1], q[1]);
  LLVMValueRef y_low = larger(kb, p[2], q[2]), y_high = smaller(kb, p[3], q[3]);
  LLVMValueRef inter = LLVMBuildFMul(B, LLVMBuildFSub(B, x_high, x_low, ""),
                                     LLVMBuildFSub(B, y_high, y_low, ""), "");
  LLVMValueRef area_p =
      LLVMBuildFMul(B, LLVMBuildFSub(B, p[1], p[0], ""), LLVMBuildFSub(B, p[3], p[2], ""), "");
  LLVMValueRef area_q =
      LLVMBuildFMul(B, LLVMBuildFSub(B, q[1], q[0], ""), LLVMBuildFSub(B, q[3], q[2], ""), "");
  LLVMValueRef both = LLVMBuildFSub(B, LLVMBuildFAdd(B, area_p, area_q, ""), inter, "");
  LLVMValueRef valid = LLVMBuildFCmp(B, LLVMRealOGT, x_high, x_low, "");
  valid = LLVMBuildAnd(B, valid, LLVMBuildFCmp(B, LLVMRealOGT, y_high, y_low, ""), "");
  valid = LLVMBuildAnd(B, valid, LLVMBuildFCmp(B, LLVMRealOGT, inter, zero, ""), "");
  valid = LLVMBuildAnd(B, valid, LLVMBuildFCmp(B, LLVMRealOGT, area_p, zero, ""), "");
  valid = LLVMBuildAnd(B, valid, LLVMBuildFCmp(B, LLVMRealOGT, area_q, zero, ""), "");
  valid = LLVMBuildAnd(B, valid, LLVMBuildFCmp(B, LLVMRealOGT, both, zero, ""), "");
  LLVMValueRef iou =
      LLVMBuildFDiv(B, inter, LLVMBuildSelect(B, valid, both, kb_const_f32(kb, 1), ""), "");
  return LLVMBuildAnd(B, valid, LLVMBuildFCmp(B, LLVMRealOGT, iou, n->iou_threshold, ""), "");
}

/* The first box of (batch, class) in score order after (previous_score, previous), that
 * passes the score threshold; -1 when none is left. Leaves its score in best_score. */
static LLVMValueRef next_box(kernel_builder *kb, const nms *n, LLVMValueRef scores_base,
                             kb_var *previous_score, kb_var *previous, kb_var *best_score) {
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1), none = kb_const_i32(kb, -1);
  kb_var *best = kb_thread_var(kb, LLVMInt32TypeInContext(kb_context(kb)), "best");
  kb_var_store(kb, best, none);
  kb_var_store(kb, best_score, kb_const_f32(kb, 0));
  LLVMValueRef j = kb_for_begin(kb, zero, kb_const_i32(kb, n->boxes), one);
  LLVMValueRef score = pw_load(kb, IR_DTYPE_F32, n->scores, LLVMBuildAdd(B, scores_base, j, ""));
  LLVMValueRef p = kb_var_load(kb, previous), b = kb_var_load(kb, best);
  LLVMValueRef take =
      LLVMBuildOr(B, LLVMBuildICmp(B, LLVMIntSLT, p, zero, ""),
                  comes_before(kb, kb_var_load(kb, previous_score), p, score, j), "");
  take = LLVMBuildAnd(B, take,
                      LLVMBuildOr(B, LLVMBuildICmp(B, LLVMIntSLT, b, zero, ""),
                                  comes_before(kb, score, j, kb_var_load(kb, best_score), b), ""),
                      "");
  if (n->score_threshold)
    take = LLVMBuildAnd(B, take, LLVMBuildFCmp(B, LLVMRealOGT, score, n->score_threshold, ""), "");
  kb_var_store(kb, best, LLVMBuildSelect(B, take, j, b, ""));
  kb_var_store(kb, best_score, LLVMBuildSelect(B, take, score, kb_var_load(kb, best_score), ""));
  kb_for_end(kb);
  return kb_var_load(kb, best);
}

/* Selects the boxes of one (batch, class) into its list; returns how many. */
static LLVMValueRef select_class(kernel_builder *kb, const nms *n, LLVMValueRef batch,
                                 LLVMValueRef class, LLVMValueRef max_boxes) {
  LLVMContextRef context = kb_context(kb);
  LLVMTypeRef i32 = LLVMInt32TypeInContext(context);
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  kb_var *previous = kb_thread_var(kb, i32, "previous"), *selected = dd_counter(kb, "selected");
  kb_var *previous_score = kb_thread_var(kb, pw_f32_type(kb), "previous_score");
  kb_var *best_score = kb_thread_var(kb, pw_f32_type(kb), "best_score");
  kb_var *suppressed = kb_thread_var(kb, LLVMInt1TypeInContext(context), "suppressed");
  kb_var_store(kb, previous, kb_const_i32(kb, -1));
  kb_var_store(kb, previous_score, kb_const_f32(kb, 0));
  LLVMValueRef scores_base = LLVMBuildMul(
      B, LLVMBuildAdd(B, LLVMBuildMul(B, batch, kb_const_i32(kb, n->classes), ""), class, ""),
      kb_const_i32(kb, n->boxes), "");
  kb_for_begin(kb, zero, kb_const_i32(kb, n->boxes), one);
  LLVMValueRef box = next_box(kb, n, scores_base, previous_score, previous, best_score);
  LLVMValueRef found = LLVMBuildICmp(B, LLVMIntSGE, box, zero, "");
  kb_if_begin(
      kb, LLVMBuildAnd(B, found,
                       LLVMBuildICmp(B, LLVMIntSLT, kb_var_load(kb, selected), max_boxes, ""), ""));
  kb_var_store(kb, suppressed, LLVMConstInt(LLVMInt1TypeInContext(context), 0, 0));
  LLVMValueRef q = kb_for_begin(kb, zero, kb_var_load(kb, selected), one);
  LLVMValueRef other = pw_load(kb, IR_DTYPE_I32, n->list, q);
  kb_var_store(
      kb, suppressed,
      LLVMBuildOr(B, kb_var_load(kb, suppressed), suppresses(kb, n, batch, box, other), ""));
  kb_for_end(kb);
  kb_if_begin(kb, LLVMBuildNot(B, kb_var_load(kb, suppressed), ""));
  pw_store(kb, IR_DTYPE_I32, n->list, kb_var_load(kb, selected), box);
  kb_var_store(kb, selected, LLVMBuildAdd(B, kb_var_load(kb, selected), one, ""));
  kb_if_end(kb);
  kb_if_end(kb);
  kb_if_begin(kb, found);
  kb_var_store(kb, previous, box);
  kb_var_store(kb, previous_score, kb_var_load(kb, best_score));
  kb_if_end(kb);
  kb_for_end(kb);
  return kb_var_load(kb, selected);
}

/* max_output_boxes_per_class, clamped to [0, boxes] (absent: 0, as ONNX's default). */
static LLVMValueRef max_boxes(kernel_builder *kb, const nms *n, LLVMValueRef input) {
  if (!input)
    return kb_const_i32(kb, 0);
  LLVMValueRef value = pw_load(kb, IR_DTYPE_I64, input, kb_const_i32(kb, 0));
  LLVMTypeRef i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef low = LLVMConstInt(i64, 0, 0), high = LLVMConstInt(i64, (uint64_t)n->boxes, 0);
  value = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, value, low, ""), low, value, "");
  value = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, value, high, ""), high, value, "");
  return LLVMBuildTrunc(B, value, LLVMInt32TypeInContext(kb_context(kb)), "");
}

/* Launch 1: a thread per (batch, class) selects its boxes into its list; their counts follow
 * the lists in the workspace. */
static int select_launch(lower_context *ctx, const ir_node *node, lower_result *out, nms *n,
                         int64_t pairs) {
  static const char *const NAMES[5] = {"boxes", "scores", "max_boxes", "iou", "score"};
  kb_param params[6];
  LLVMValueRef inputs[5] = {NULL};
  const char *name = lower_kernel_name(ctx, node, "nms_select");
  lower_launch *launch = mv_add_launch(ctx, node, out, name, pairs);
  if (!launch)
    return -1;
  int count = 0, slot[5];
  for (int i = 0; i < 5; i++) {
    slot[i] = -1;
    if (ir_node_input(node, i)) {
      lower_add_arg(launch, LOWER_ARG_INPUT, i);
      slot[i] = count;
      params[count++] = (kb_param){NAMES[i], KB_PARAM_PTR};
    }
  }
  lower_add_arg(launch, LOWER_ARG_WORKSPACE, 0);
  params[count++] = (kb_param){"workspace", KB_PARAM_PTR};
  kernel_builder *kb = ctx->kb;
  LLVMValueRef pair = mv_kernel_begin(kb, name, params, count, pairs);
  for (int i = 0; i < 5; i++)
    inputs[i] = slot[i] >= 0 ? kb_param_value(kb, slot[i]) : NULL;
  LLVMValueRef workspace = kb_param_value(kb, count - 1), zero = kb_const_i32(kb, 0);
  n->box_data = inputs[0], n->scores = inputs[1];
  if (inputs[3])
    n->iou_threshold = pw_load(kb, IR_DTYPE_F32, inputs[3], zero);
  if (inputs[4])
    n->score_threshold = pw_load(kb, IR_DTYPE_F32, inputs[4], zero);
  LLVMValueRef limit = max_boxes(kb, n, inputs[2]);
  LLVMValueRef first = LLVMBuildSExt(B, LLVMBuildMul(B, pair, kb_const_i32(kb, n->boxes), ""),
                                     LLVMInt64TypeInContext(kb_context(kb)), "");
  n->list = LLVMBuildInBoundsGEP2(B, LLVMInt32TypeInContext(kb_context(kb)), workspace, &first, 1,
                                  "list");
  LLVMValueRef classes = kb_const_i32(kb, n->classes);
  LLVMValueRef selected = select_class(kb, n, LLVMBuildUDiv(B, pair, classes, ""),
                                       LLVMBuildURem(B, pair, classes, ""), limit);
  pw_store(kb, IR_DTYPE_I32, workspace,
           LLVMBuildAdd(B, kb_const_i32(kb, pairs * n->boxes), pair, ""), selected);
  return mv_kernel_end(kb);
}

/* Launch 2: one thread packs the lists into rows (batch, class, box) and writes the dims. */
static int pack_launch(lower_context *ctx, const ir_node *node, lower_result *out, const nms *n,
                       int64_t pairs) {
  lower_launch *launch = lower_add_launch(out, lower_kernel_name(ctx, node, "nms_pack"), 1, 1);
  if (!launch)
    return ir_node_error(ctx->diag, node, "needs more than %d kernel launches", LOWER_MAX_LAUNCHES);
  lower_add_arg(launch, LOWER_ARG_WORKSPACE, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT_DIMS, 0);
  kernel_builder *kb = ctx->kb;
  if (pw_kernel_begin(kb, launch) != 0 || kb_kernel_fix_block(kb, 1, 1, 1) != 0)
    return -1;
  dd_params p = {.dims = {2}};
  LLVMValueRef workspace = kb_param_value(kb, 0), rows = kb_param_value(kb, 1);
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(kb_context(kb));
  kb_var *written = dd_counter(kb, "rows");
  LLVMValueRef pair = kb_for_begin(kb, zero, kb_const_i32(kb, pairs), one);
  LLVMValueRef count = pw_load(kb, IR_DTYPE_I32, workspace,
                               LLVMBuildAdd(B, kb_const_i32(kb, pairs * n->boxes), pair, ""));
  LLVMValueRef classes = kb_const_i32(kb, n->classes);
  LLVMValueRef q = kb_for_begin(kb, zero, count, one);
  LLVMValueRef box =
      pw_load(kb, IR_DTYPE_I32, workspace,
              LLVMBuildAdd(B, LLVMBuildMul(B, pair, kb_const_i32(kb, n->boxes), ""), q, ""));
  LLVMValueRef values[3] = {LLVMBuildUDiv(B, pair, classes, ""),
                            LLVMBuildURem(B, pair, classes, ""), box};
  LLVMValueRef row = LLVMBuildMul(B, kb_var_load(kb, written), kb_const_i32(kb, 3), "");
  for (int k = 0; k < 3; k++)
    pw_store(kb, IR_DTYPE_I64, rows, LLVMBuildAdd(B, row, kb_const_i32(kb, k), ""),
             LLVMBuildSExt(B, values[k], i64, ""));
  kb_var_store(kb, written, LLVMBuildAdd(B, kb_var_load(kb, written), one, ""));
  kb_for_end(kb);
  kb_for_end(kb);
  dd_store_dim(kb, &p, 0, 0, kb_var_load(kb, written));
  dd_store_dim(kb, &p, 0, 1, kb_const_i32(kb, 3));
  return kb_kernel_end(kb);
}

int lower_non_max_suppression(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *boxes = &node->inputs[0]->type, *scores = &node->inputs[1]->type;
  int64_t center;
  if (ir_attr_int_default(node, "center_point_box", &center, ctx->diag) != 0 ||
      mv_check_sizes(node, 0, ctx->diag) != 0 || mv_check_sizes(node, 1, ctx->diag) != 0)
    return -1;
  nms n = {.batches = boxes->dims[0],
           .classes = scores->dims[1],
           .boxes = boxes->dims[1],
           .center_point_box = center != 0,
           .iou_threshold = kb_const_f32(ctx->kb, 0)};
  int64_t pairs = n.batches * n.classes;
  out->workspace_bytes = ((pairs * n.boxes + pairs) * 4 + 255) / 256 * 256;
  if (select_launch(ctx, node, out, &n, pairs) != 0 || kb_failed(ctx->kb))
    return ir_node_error(ctx->diag, node, "could not build the NonMaxSuppression kernels");
  return pack_launch(ctx, node, out, &n, pairs);
}
