/* The fake-driver test fixture (see fake_fixture.h). */
#include "fake_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fakecuda.h"

sample_buffers buffers;
const dlrt_options cuda_options = {.device = DLRT_DEVICE_CUDA};

int fake_fixture_setup(void **state) {
  setenv("DLRT_LIBCUDA", FAKECUDA_PATH, 1);
  fakecuda_set_device_count(1);
  fakecuda_set_sm_version(80);
  fakecuda_reset();
  memset(&buffers, 0, sizeof buffers);
  sample_data(buffers.x, buffers.y, buffers.expected_sum, buffers.expected_partials);
  return 0;
}

void assert_no_leaks(void) {
  assert_int_equal(fakecuda_live_allocations(), 0);
  assert_int_equal(fakecuda_live_objects(), 0);
  assert_int_equal(fakecuda_context_depth(), 0);
}

int outputs_match(void) {
  for (int i = 0; i < SAMPLE_N; i++)
    if (buffers.sum[i] != buffers.expected_sum[i])
      return 0;
  for (int b = 0; b < SAMPLE_BLOCKS; b++)
    if (buffers.partials[b] < buffers.expected_partials[b] - 1e-3f ||
        buffers.partials[b] > buffers.expected_partials[b] + 1e-3f)
      return 0;
  return 1;
}
