/* Einsum equation parsing (einsum.h). */
#include "ir/einsum.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int fail(char *error, size_t size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(error, size, format, args);
  va_end(args);
  return -1;
}

static int letter_label(char c) { return islower((unsigned char)c) ? c - 'a' : c - 'A' + 26; }

/* One term (an operand's or the output's) without spaces: letters and at most one "...".
 * Fills labels for `rank` dims (rank -1: the output, whose ellipsis is all `ellipsis` dims). */
static int parse_term(const char *term, size_t length, int rank, int ellipsis, int *labels,
                      int *out_rank, int *out_ellipsis, char *error, size_t size) {
  int letters = 0, dots = 0;
  for (size_t i = 0; i < length; i++) {
    if (isalpha((unsigned char)term[i]))
      letters++;
    else if (term[i] == '.' && i + 3 <= length && strncmp(term + i, "...", 3) == 0 && !dots)
      dots = 1, i += 2;
    else
      return fail(error, size, "equation term '%.*s' holds '%c'", (int)length, term, term[i]);
  }
  int own = rank < 0 ? (dots ? ellipsis : 0) : rank - letters;
  if (own < 0 || (!dots && own != 0) || letters + own > IR_MAX_RANK)
    return fail(error, size, "equation term '%.*s' does not fit an operand of rank %d", (int)length,
                term, rank);
  int at = 0;
  for (size_t i = 0; i < length; i++) {
    if (term[i] == '.') {
      for (int j = 0; j < own; j++) /* right-aligned: numpy broadcasting */
        labels[at++] = IR_EINSUM_ELLIPSIS_LABEL + (rank < 0 ? 0 : ellipsis - own) + j;
      i += 2;
    } else {
      labels[at++] = letter_label(term[i]);
    }
  }
  *out_rank = at;
  if (out_ellipsis)
    *out_ellipsis = own;
  return 0;
}

/* The ellipsis dims of every operand (the most any has). */
static int count_ellipsis(const char *lhs, size_t length, const ir_type *const *operands,
                          int count) {
  int most = 0, k = 0;
  size_t start = 0;
  for (size_t i = 0; i <= length && k < count; i++)
    if (i == length || lhs[i] == ',') {
      int letters = 0;
      bool dots = false;
      for (size_t j = start; j < i; j++)
        letters += isalpha((unsigned char)lhs[j]) != 0, dots = dots || lhs[j] == '.';
      int own = dots ? operands[k]->rank - letters : 0;
      most = own > most ? own : most;
      start = i + 1, k++;
    }
  return most;
}

static int set_size(ir_einsum *e, int label, int64_t size, char *error, size_t error_size) {
  int64_t *known = &e->sizes[label];
  bool ellipsis = label >= IR_EINSUM_ELLIPSIS_LABEL;
  if (*known < 0 || (ellipsis && *known == 1))
    *known = size;
  else if (size != *known && !(ellipsis && size == 1))
    return fail(error, error_size, "label '%c' has sizes %lld and %lld",
                label < 26 ? 'a' + label : 'A' + label - 26, (long long)*known, (long long)size);
  return 0;
}

int ir_einsum_parse(const char *equation, const ir_type *const *operands, int count,
                    ir_einsum *out, char *error, size_t error_size) {
  char text[512];
  size_t length = 0;
  for (const char *p = equation; *p; p++)
    if (*p != ' ' && length + 1 < sizeof text)
      text[length++] = *p;
  text[length] = '\0';
  memset(out, 0, sizeof *out);
  if (count < 1 || count > IR_EINSUM_MAX_OPERANDS)
    return fail(error, error_size, "takes 1 to %d operands, not %d", IR_EINSUM_MAX_OPERANDS,
                count);
  for (int l = 0; l < IR_EINSUM_MAX_LABELS; l++)
    out->sizes[l] = -1;
  const char *arrow = strstr(text, "->");
  size_t lhs_length = arrow ? (size_t)(arrow - text) : length;
  int ellipsis = count_ellipsis(text, lhs_length, operands, count);
  int uses[IR_EINSUM_MAX_LABELS] = {0};
  size_t start = 0;
  int k = 0;
  for (size_t i = 0; i <= lhs_length; i++) {
    if (i < lhs_length && text[i] != ',')
      continue;
    if (k >= count)
      return fail(error, error_size, "the equation has more terms than the %d operands", count);
    int rank;
    if (parse_term(text + start, i - start, operands[k]->rank, ellipsis, out->labels[k], &rank,
                   NULL, error, error_size) != 0)
      return -1;
    out->ranks[k] = rank;
    for (int d = 0; d < rank; d++) {
      uses[out->labels[k][d]]++;
      if (set_size(out, out->labels[k][d], operands[k]->dims[d], error, error_size) != 0)
        return -1;
    }
    start = i + 1, k++;
  }
  if (k != count)
    return fail(error, error_size, "the equation has %d terms for %d operands", k, count);
  out->operand_count = count;
  if (arrow) {
    const char *rhs = arrow + 2;
    if (parse_term(rhs, strlen(rhs), -1, ellipsis, out->output_labels, &out->output_rank, NULL,
                   error, error_size) != 0)
      return -1;
  } else { /* numpy's implicit output: the ellipsis, then letters used once, sorted */
    for (int j = 0; j < ellipsis; j++)
      out->output_labels[out->output_rank++] = IR_EINSUM_ELLIPSIS_LABEL + j;
    for (int c = 0; c < 52; c++) {
      int label = c < 26 ? c + 26 : c - 26; /* ASCII order: upper case first */
      if (uses[label] == 1 && out->output_rank < IR_MAX_RANK)
        out->output_labels[out->output_rank++] = label;
    }
  }
  bool in_output[IR_EINSUM_MAX_LABELS] = {false};
  for (int d = 0; d < out->output_rank; d++) {
    int label = out->output_labels[d];
    if (!uses[label] || in_output[label])
      return fail(error, error_size, "output label %d is not an input's or is repeated", d);
    in_output[label] = true;
  }
  for (int l = 0; l < IR_EINSUM_MAX_LABELS; l++)
    if (uses[l] && !in_output[l])
      out->summed_labels[out->summed_count++] = l;
  return 0;
}
