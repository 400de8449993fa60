/* Gradient clipping by global norm (train.h), torch.nn.utils.clip_grad_norm_'s: the squared
 * 2-norm of each gradient (ReduceSumSquare), summed in the order given, its square root the
 * global norm; every gradient times min(1, max_norm / (norm + 1e-6)). */
#include "passes/train/train.h"
#include "passes/train/train_internal.h"

int dl_build_clip_by_global_norm(ir_graph *graph, ir_value *const *grads, int n, float max_norm,
                                 ir_value **out, dl_diag *diag) {
  if (n <= 0)
    return dl_error(diag, "clip by global norm: no gradients");
  if (!(max_norm > 0))
    return dl_error(diag, "clip by global norm: max_norm must be > 0 (is %g)", (double)max_norm);
  for (int i = 0; i < n; i++)
    if (!grads[i] || !ir_dtype_is_float(grads[i]->type.dtype))
      return dl_error(diag, "clip by global norm: gradient %d%s%s%s is not floating-point", i,
                      grads[i] ? " '" : "", grads[i] ? grads[i]->name : "", grads[i] ? "'" : "");
  ir_builder b = dl_train_builder(graph, "clip", diag);
  ir_value *sum = NULL;
  for (int i = 0; i < n; i++) {
    ir_value *squares =
        ir_build_cast(&b, ir_build_reduce_all(&b, IR_OP_REDUCE_SUM_SQUARE, grads[i]), IR_DTYPE_F32);
    sum = sum ? ir_build_op(&b, IR_OP_ADD, sum, squares) : squares;
  }
  ir_value *norm = ir_build_op(&b, IR_OP_SQRT, sum, NULL);
  ir_value *coefficient = ir_build_op(
      &b, IR_OP_MIN, ir_build_scalar(&b, IR_DTYPE_F32, 1.0),
      ir_build_op(&b, IR_OP_DIV, ir_build_scalar(&b, IR_DTYPE_F32, max_norm),
                  ir_build_op(&b, IR_OP_ADD, norm, ir_build_scalar(&b, IR_DTYPE_F32, 1e-6))));
  if (!coefficient)
    return -1;
  for (int i = 0; i < n; i++)
    if (!(out[i] = ir_build_op(&b, IR_OP_MUL, grads[i],
                               ir_build_cast(&b, coefficient, grads[i]->type.dtype))))
      return -1;
  return 0;
}
