/* Cast kernels to and from the 8- and 4-bit floats and the packed 4- and 2-bit integers, on
 * the host twin: bit-exact against ir/small_float.c and ir/element.c (themselves checked
 * against ml_dtypes by tests/unit/test_small_float.c) on every code, every f16 value, the
 * formats' boundaries and ties, f64 inputs and random f32 bits; packed outputs of every
 * length modulo the byte; and the PTX of each for sm_75/80/90. */
#include <math.h>

#include "pointwise_test.h"

static const ir_dtype SMALL_FLOATS[] = {IR_DTYPE_F8E4M3FN,   IR_DTYPE_F8E4M3FNUZ, IR_DTYPE_F8E5M2,
                                        IR_DTYPE_F8E5M2FNUZ, IR_DTYPE_F4E2M1,     IR_DTYPE_F8E8M0};
static const ir_dtype PACKED_INTEGERS[] = {IR_DTYPE_I4, IR_DTYPE_U4, IR_DTYPE_I2, IR_DTYPE_U2};

/* Every f16 value, each format's codes and the midpoints between neighbours, one f32 ulp
 * either side of those, specials and random bits. */
static float *encode_inputs(ir_dtype dtype, int64_t *out_count) {
  int codes = ir_dtype_bits(dtype) == 4 ? 16 : 256;
  int64_t count = 65536 + 9 * codes + 8 + 4096, n = 0;
  float *values = malloc((size_t)count * sizeof(float));
  assert_non_null(values);
  for (uint32_t h = 0; h < 65536; h++)
    values[n++] = ir_f16_to_f32((uint16_t)h);
  for (int c = 0; c < codes; c++) {
    float value = ir_small_float_to_f32(dtype, (uint32_t)c), next = value;
    for (int d = 1; d < codes && !(next > value); d++) /* the next larger value, if any */
      next = ir_small_float_to_f32(dtype, (uint32_t)((c + d) % codes));
    float middle = isfinite(value) && isfinite(next) ? (value + next) / 2 : value;
    float around[3] = {value, middle, value * 2};
    for (int k = 0; k < 3; k++) {
      values[n++] = around[k];
      values[n++] = nextafterf(around[k], INFINITY);
      values[n++] = nextafterf(around[k], -INFINITY);
    }
  }
  float specials[8] = {INFINITY, -INFINITY, NAN, -NAN, 0.0f, -0.0f, 3.0e38f, 1e-40f};
  for (int k = 0; k < 8; k++)
    values[n++] = specials[k];
  uint32_t state = 12345;
  for (int k = 0; k < 4096; k++) {
    state = state * 1664525u + 1013904223u;
    memcpy(&values[n++], &state, 4);
  }
  *out_count = n;
  return values;
}

static void test_small_floats_from_f32(void **state) {
  (void)state;
  for (size_t f = 0; f < sizeof(SMALL_FLOATS) / sizeof(SMALL_FLOATS[0]); f++) {
    ir_dtype dtype = SMALL_FLOATS[f];
    int64_t n;
    float *values = encode_inputs(dtype, &n);
    for (int saturate = 0; saturate <= 1; saturate++) {
      uint8_t *codes = pt_run_cast(IR_DTYPE_F32, dtype, saturate, values, n, saturate == 0);
      for (int64_t i = 0; i < n; i++) {
        uint32_t want = ir_small_float_from_double(dtype, values[i], saturate),
                 have =
                     ir_dtype_is_packed(dtype) ? ir_element_packed_get(dtype, codes, i) : codes[i];
        if (have != want)
          fail_msg("Cast f32 %a to %s (saturate %d): 0x%x, expected 0x%x", (double)values[i],
                   ir_dtype_name(dtype), saturate, have, want);
      }
      free(codes);
    }
    free(values);
  }
}

/* f64 rounds once: ties of the format just missed by less than f32 can hold. */
static void test_small_floats_from_f64(void **state) {
  (void)state;
  double values[] = {1.0 + 0x1p-4 + 0x1p-40,
                     1.0 + 0x1p-4,
                     1.0 + 0x1p-4 - 0x1p-40,
                     464.0,
                     464.0 + 0x1p-30,
                     -1e300,
                     1e-300,
                     NAN};
  int64_t n = sizeof(values) / sizeof(values[0]);
  for (size_t f = 0; f < sizeof(SMALL_FLOATS) / sizeof(SMALL_FLOATS[0]); f++) {
    ir_dtype dtype = SMALL_FLOATS[f];
    uint8_t *codes = pt_run_cast(IR_DTYPE_F64, dtype, 0, values, n, f == 0);
    for (int64_t i = 0; i < n; i++) {
      uint32_t want = ir_small_float_from_double(dtype, values[i], false),
               have = ir_dtype_is_packed(dtype) ? ir_element_packed_get(dtype, codes, i) : codes[i];
      if (have != want)
        fail_msg("Cast f64 %a to %s: 0x%x, expected 0x%x", values[i], ir_dtype_name(dtype), have,
                 want);
    }
    free(codes);
  }
}

/* Every code to f32 and to f16 (rounded from that f32), bit-exact (NaN as any NaN). */
static void test_small_floats_decoded(void **state) {
  (void)state;
  for (size_t f = 0; f < sizeof(SMALL_FLOATS) / sizeof(SMALL_FLOATS[0]); f++) {
    ir_dtype dtype = SMALL_FLOATS[f];
    int64_t n = ir_dtype_bits(dtype) == 4 ? 16 : 256;
    uint8_t data[256];
    for (int64_t c = 0; c < n; c++)
      ir_element_set_int(IR_DTYPE_U8, data, c, c);
    if (ir_dtype_is_packed(dtype))
      for (int64_t c = 0; c < n; c++)
        ir_element_packed_set(dtype, data, c, (uint32_t)c);
    float *values = pt_run_cast(dtype, IR_DTYPE_F32, -1, data, n, true);
    uint16_t *halves = pt_run_cast(dtype, IR_DTYPE_F16, -1, data, n, false);
    for (int64_t c = 0; c < n; c++) {
      float want = ir_small_float_to_f32(dtype, (uint32_t)c);
      if (isnan(want) ? !isnan(values[c]) : memcmp(&want, &values[c], 4) != 0)
        fail_msg("Cast %s 0x%x to f32: %g, expected %g", ir_dtype_name(dtype), (unsigned)c,
                 (double)values[c], (double)want);
      float half = ir_f16_to_f32(halves[c]), want_half = ir_f16_to_f32(ir_f32_to_f16(want));
      if (isnan(want) ? !isnan(half) : half != want_half) /* e8m0 spans more than f16 */
        fail_msg("Cast %s 0x%x to f16: %g, expected %g", ir_dtype_name(dtype), (unsigned)c,
                 (double)half, (double)want_half);
    }
    free(values);
    free(halves);
  }
}

/* f32 → f8e8m0 in every round mode, with and without saturate, like ir_e8m0_from_f32. */
static void test_e8m0_round_modes(void **state) {
  (void)state;
  static const char *const MODES[] = {"up", "down", "nearest"};
  int64_t n;
  float *values = encode_inputs(IR_DTYPE_F8E8M0, &n);
  for (int k = 0; k < 6; k++) {
    ir_graph *graph = ir_graph_create("cast");
    ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 1, &n);
    ir_node *node = pt_node(graph, IR_OP_CAST, &x, 1, 1);
    ir_node_set_dtype(graph, node, "to", IR_DTYPE_F8E8M0);
    ir_node_set_int(graph, node, "saturate", k % 2);
    ir_node_set_string(graph, node, "round_mode", MODES[k / 2]);
    pt_infer(graph, node);
    const void *inputs[1] = {values};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    if (k == 5)
      pt_check_ptx(graph, node);
    const uint8_t *codes = outputs[0];
    for (int64_t i = 0; i < n; i++)
      if (codes[i] != ir_e8m0_from_f32(values[i], k % 2, (ir_round_mode)(k / 2)))
        fail_msg("Cast %a to f8e8m0 (%s, saturate %d): 0x%x", (double)values[i], MODES[k / 2],
                 k % 2, codes[i]);
    free(outputs[0]);
    ir_graph_destroy(graph);
  }
  free(values);
}

/* f32 → 4- and 2-bit integers truncate and wrap like ir_element_set_float; every length from
 * 1 to 9 (ragged last bytes), and back to f32 and i8 sign- or zero-extended. */
static void test_packed_integers(void **state) {
  (void)state;
  float values[9] = {-9.5f, -8.0f, -2.7f, -1.0f, 0.0f, 1.9f, 7.0f, 8.0f, 15.5f};
  for (size_t t = 0; t < sizeof(PACKED_INTEGERS) / sizeof(PACKED_INTEGERS[0]); t++) {
    ir_dtype dtype = PACKED_INTEGERS[t];
    for (int64_t n = 1; n <= 9; n++) {
      uint8_t *packed = pt_run_cast(IR_DTYPE_F32, dtype, -1, values, n, n == 9);
      uint8_t want[5] = {0};
      for (int64_t i = 0; i < n; i++)
        ir_element_set_float(dtype, want, i, values[i]);
      int64_t bytes = (n * ir_dtype_bits(dtype) + 7) / 8;
      for (int64_t b = 0; b < bytes; b++)
        if (packed[b] != want[b])
          fail_msg("Cast f32 to %s, %lld elements: byte %lld is 0x%x, expected 0x%x",
                   ir_dtype_name(dtype), (long long)n, (long long)b, packed[b], want[b]);
      float *back = pt_run_cast(dtype, IR_DTYPE_F32, -1, packed, n, n == 9);
      int8_t *bytes_back = pt_run_cast(dtype, IR_DTYPE_I8, -1, packed, n, false);
      for (int64_t i = 0; i < n; i++) {
        assert_true(back[i] == (float)ir_element_get_int(dtype, want, i));
        assert_int_equal(bytes_back[i], ir_element_get_int(dtype, want, i));
      }
      free(packed);
      free(back);
      free(bytes_back);
    }
  }
}

/* A packed result of more elements than one block's threads cover in one pass. */
static void test_packed_many(void **state) {
  (void)state;
  int64_t n = 300001;
  int32_t *values = malloc((size_t)n * sizeof(int32_t));
  assert_non_null(values);
  for (int64_t i = 0; i < n; i++)
    values[i] = (int32_t)(i * 7 - 1000);
  uint8_t *packed = pt_run_cast(IR_DTYPE_I32, IR_DTYPE_I2, -1, values, n, false);
  for (int64_t i = 0; i < n; i++)
    if (ir_element_get_int(IR_DTYPE_I2, packed, i) != ((((i * 7 - 1000) & 3) ^ 2) - 2))
      fail_msg("element %lld", (long long)i);
  free(packed);
  free(values);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_floats_from_f32), cmocka_unit_test(test_small_floats_from_f64),
      cmocka_unit_test(test_small_floats_decoded),  cmocka_unit_test(test_e8m0_round_modes),
      cmocka_unit_test(test_packed_integers),       cmocka_unit_test(test_packed_many),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
