/* Index checks of programs compiled with dlcc --check-indices: the run's error word is
 * cleared before the launches and fetched after them; a site number there fails the run,
 * naming the node that met an out-of-range index. */
#include "runtime/error.h"
#include "runtime/model.h"

static dlrt_device_ptr error_word(const dlrt_model *model) {
  return model->arena + model->program->index_check_offset;
}

int dlrt_model_index_check_begin(dlrt_model *model) {
  static const uint32_t zero = 0;
  model->index_error = 0;
  if (!model->program->index_check_count)
    return DLRT_STATUS_OK;
  if (model->sanitizer) /* the runtime writes the word: kernels may read it */
    dlrt_sanitizer_set_written(model->sanitizer, (void *)(uintptr_t)error_word(model),
                               sizeof zero, 1);
  return model->device->vtable->copy_h2d(model->device, error_word(model), &zero, sizeof zero);
}

int dlrt_model_index_check_fetch(dlrt_model *model) {
  if (!model->program->index_check_count)
    return DLRT_STATUS_OK;
  return model->device->vtable->copy_d2h(model->device, &model->index_error, error_word(model),
                                         sizeof model->index_error);
}

int dlrt_model_index_check_result(dlrt_model *model) {
  const dlrt_program *program = model->program;
  uint32_t site = model->index_error;
  model->index_error = 0; /* reported once */
  if (!site)
    return DLRT_STATUS_OK;
  const char *where = site <= program->index_check_count ? program->index_check_sites[site - 1]
                                                         : "an unknown node";
  return dlrt_error(DLRT_STATUS_INDEX_OUT_OF_RANGE,
                    "%s of program '%s' met an index out of range (clamped into range; the "
                    "outputs are not what the model defines)",
                    where, program->name ? program->name : "?");
}
