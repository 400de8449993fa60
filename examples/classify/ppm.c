/* A binary PPM (P6) reader: header "P6 width height maxval" (comments allowed), then RGB. */
#include "ppm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

/* The next header number, skipping white space and '#' comments; -1 if there is none. */
static long header_number(FILE *file) {
  int c = fgetc(file);
  while (c == '#' || isspace(c)) {
    if (c == '#')
      while (c != '\n' && c != EOF)
        c = fgetc(file);
    c = fgetc(file);
  }
  long value = 0;
  if (!isdigit(c))
    return -1;
  for (; isdigit(c) && value < 100000; c = fgetc(file))
    value = value * 10 + (c - '0');
  return value; /* the single white space after maxval is consumed here */
}

int ppm_read(const char *path, ppm_image *out) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    perror(path);
    return -1;
  }
  char magic[2] = {0};
  long width = -1, height = -1, maxval = -1;
  if (fread(magic, 1, 2, file) == 2 && magic[0] == 'P' && magic[1] == '6') {
    width = header_number(file);
    height = header_number(file);
    maxval = header_number(file);
  }
  if (width <= 0 || height <= 0 || width > 65535 || height > 65535 || maxval != 255) {
    fprintf(stderr, "%s: not a binary PPM (P6) image with 8-bit channels\n", path);
    fclose(file);
    return -1;
  }
  size_t bytes = (size_t)width * (size_t)height * 3;
  out->rgb = malloc(bytes);
  if (!out->rgb || fread(out->rgb, 1, bytes, file) != bytes) {
    fprintf(stderr, "%s: truncated image (%ldx%ld needs %zu bytes of pixels)\n", path, width,
            height, bytes);
    free(out->rgb);
    fclose(file);
    return -1;
  }
  fclose(file);
  out->width = (int)width;
  out->height = (int)height;
  return 0;
}

void ppm_free(ppm_image *image) {
  free(image->rgb);
  image->rgb = NULL;
}
