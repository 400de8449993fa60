/* Three bundles in one program: one model under two names (mlp_a, mlp_b) and another model
 * (small_cnn). They must link without clashes, run side by side and agree.
 * usage: two_bundles MLP_INPUT.bin CNN_INPUT.bin MLP_OUT.bin CNN_OUT.bin */
#include <stdio.h>
#include <string.h>

#include "mlp_a.h"
#include "mlp_b.h"
#include "small_cnn.h"

static int check(int status, const char *what) {
  if (status)
    fprintf(stderr, "two_bundles: %s: %s: %s\n", what, dlrt_status_string(status),
            dlrt_last_error());
  return status;
}

static int read_file(const char *path, void *data, size_t size) {
  FILE *file = fopen(path, "rb");
  size_t got = file ? fread(data, 1, size, file) : 0;
  if (file)
    fclose(file);
  return got == size ? 0 : -1;
}

static int write_file(const char *path, const void *data, size_t size) {
  FILE *file = fopen(path, "wb");
  size_t put = file ? fwrite(data, 1, size, file) : 0;
  return (file ? fclose(file) : -1) != 0 || put != size;
}

int main(int argc, char **argv) {
  static float mlp_in[mlp_a_INPUT_input_COUNT], out_a[mlp_a_OUTPUT_probabilities_COUNT],
      out_b[mlp_b_OUTPUT_probabilities_COUNT];
  static float cnn_in[small_cnn_INPUT_image_COUNT], cnn_out[small_cnn_OUTPUT_logits_COUNT];
  if (argc != 5 || read_file(argv[1], mlp_in, sizeof mlp_in) ||
      read_file(argv[2], cnn_in, sizeof cnn_in))
    return fprintf(stderr, "two_bundles: bad arguments or inputs\n"), 2;
  mlp_a_model *a = NULL;
  mlp_b_model *b = NULL;
  small_cnn_model *cnn = NULL;
  if (check(mlp_a_create(&a, NULL), "mlp_a_create") || check(mlp_b_create(&b, NULL), "mlp_b_create") ||
      check(small_cnn_create(&cnn, NULL), "small_cnn_create"))
    return 1;
  struct mlp_a_inputs in_a = {mlp_in};
  struct mlp_a_outputs outputs_a = {out_a};
  struct mlp_b_inputs in_b = {mlp_in};
  struct mlp_b_outputs outputs_b = {out_b};
  struct small_cnn_inputs in_cnn = {cnn_in};
  struct small_cnn_outputs outputs_cnn = {cnn_out};
  if (check(mlp_a_run(a, &in_a, &outputs_a), "mlp_a_run") ||
      check(small_cnn_run(cnn, &in_cnn, &outputs_cnn), "small_cnn_run") ||
      check(mlp_b_run(b, &in_b, &outputs_b), "mlp_b_run"))
    return 1;
  if (memcmp(out_a, out_b, sizeof out_a) != 0)
    return fprintf(stderr, "two_bundles: mlp_a and mlp_b disagree\n"), 1;
  printf("two_bundles: mlp_a and mlp_b agree on %s; small_cnn ran on %s\n", mlp_a_device_name(a),
         small_cnn_device_name(cnn));
  mlp_a_destroy(a);
  mlp_b_destroy(b);
  small_cnn_destroy(cnn);
  return write_file(argv[3], out_a, sizeof out_a) || write_file(argv[4], cnn_out, sizeof cnn_out);
}
