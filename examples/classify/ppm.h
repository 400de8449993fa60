/* Reading binary PPM (P6) images, 8 bits per channel. */
#ifndef CLASSIFY_PPM_H
#define CLASSIFY_PPM_H

typedef struct ppm_image {
  int width, height;
  unsigned char *rgb; /* width * height * 3 bytes, row by row */
} ppm_image;

/* 0, or -1 after printing what is wrong with `path` to stderr. */
int ppm_read(const char *path, ppm_image *out);
void ppm_free(ppm_image *image);

#endif
