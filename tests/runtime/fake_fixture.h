/* Shared fixture of the tests that run libdlrt's cuda device against the fake driver: the
 * sample program's buffers, the fake's setup and leak checks. */
#ifndef DLRT_TESTS_FAKE_FIXTURE_H
#define DLRT_TESTS_FAKE_FIXTURE_H

#include "dlrt.h"
#include "sample_program.h"

typedef struct sample_buffers {
  float x[SAMPLE_N], y[SAMPLE_N], sum[SAMPLE_N], partials[SAMPLE_BLOCKS];
  float expected_sum[SAMPLE_N], expected_partials[SAMPLE_BLOCKS];
} sample_buffers;

extern sample_buffers buffers;
extern const dlrt_options cuda_options;

/* cmocka setup: libdlrt opens the fake (one sm_80 device), counters reset, fresh data. */
int fake_fixture_setup(void **state);
/* Asserts that no allocation, object or pushed context is left in the fake. */
void assert_no_leaks(void);
/* Whether buffers.sum and buffers.partials hold the expected values. */
int outputs_match(void);

#endif
