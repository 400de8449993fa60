/* SVG loss and accuracy curves (train_plot.h). */
#include "tools/dlcc/train_plot.h"

#include <math.h>

enum { PANEL_WIDTH = 420, PANEL_HEIGHT = 300, MARGIN = 50, TOP = 40 };

typedef struct panel {
  const char *title;
  double left;      /* x of the panel's plot area */
  double low, high; /* value range of the y axis */
} panel;

static double value_of(const train_point *point, int series) {
  const double values[4] = {point->train_loss, point->val_loss, point->train_accuracy,
                            point->val_accuracy};
  return values[series];
}

/* The y range of two series (a panel's training and held-out lines), padded a little. */
static void range_of(const train_point *points, int count, int first_series, double *low,
                     double *high) {
  *low = INFINITY;
  *high = -INFINITY;
  for (int i = 0; i < count; i++)
    for (int s = first_series; s < first_series + 2; s++) {
      double v = value_of(&points[i], s);
      if (isfinite(v)) {
        *low = fmin(*low, v);
        *high = fmax(*high, v);
      }
    }
  if (!isfinite(*low)) {
    *low = 0;
    *high = 1;
  }
  if (*high - *low < 1e-9)
    *high = *low + 1;
  double pad = 0.05 * (*high - *low);
  *low -= pad;
  *high += pad;
}

static double x_at(const panel *p, int index, int count) {
  double span = count > 1 ? (double)(count - 1) : 1.0;
  return p->left + (double)index / span * PANEL_WIDTH;
}

static double y_at(const panel *p, double value) {
  return TOP + PANEL_HEIGHT - (value - p->low) / (p->high - p->low) * PANEL_HEIGHT;
}

static void draw_axes(FILE *out, const panel *p, int count) {
  fprintf(out,
          "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
          "stroke=\"#888\"/>\n",
          p->left, TOP, PANEL_WIDTH, PANEL_HEIGHT);
  fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
          p->left + PANEL_WIDTH / 2.0, TOP - 10, p->title);
  for (int tick = 0; tick <= 4; tick++) {
    double value = p->low + (p->high - p->low) * tick / 4.0;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\">%.4g</text>\n",
            p->left - 4, y_at(p, value) + 3, value);
  }
  fprintf(out,
          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">epoch (1 to %d)"
          "</text>\n",
          p->left + PANEL_WIDTH / 2.0, TOP + PANEL_HEIGHT + 20, count);
}

static void draw_series(FILE *out, const panel *p, const train_point *points, int count,
                        int series, const char *color) {
  fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
  int drawn = 0;
  for (int i = 0; i < count; i++) {
    double v = value_of(&points[i], series);
    if (isfinite(v))
      fprintf(out, "%s%.1f,%.1f", drawn++ ? " " : "", x_at(p, i, count), y_at(p, v));
  }
  fputs("\"/>\n", out);
  for (int i = 0; i < count; i++) {
    double v = value_of(&points[i], series);
    if (isfinite(v))
      fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
              x_at(p, i, count), y_at(p, v), color);
  }
}

static void write_escaped(FILE *out, const char *text) {
  for (; *text; text++) {
    switch (*text) {
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '&': fputs("&amp;", out); break;
    case '"': fputs("&quot;", out); break;
    default: fputc(*text, out);
    }
  }
}

void train_plot_write(FILE *out, const char *title, const train_point *points, int count) {
  const int width = 2 * (PANEL_WIDTH + 2 * MARGIN), height = TOP + PANEL_HEIGHT + 60;
  fprintf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
          "font-family=\"sans-serif\">\n<title>",
          width, height);
  write_escaped(out, title);
  fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", out);
  panel panels[2] = {{"loss", MARGIN + 10, 0, 1},
                     {"accuracy", PANEL_WIDTH + 3 * MARGIN + 10, 0, 1}};
  for (int k = 0; k < 2; k++) {
    range_of(points, count, 2 * k, &panels[k].low, &panels[k].high);
    draw_axes(out, &panels[k], count);
    draw_series(out, &panels[k], points, count, 2 * k, "#1f77b4");
    draw_series(out, &panels[k], points, count, 2 * k + 1, "#ff7f0e");
  }
  fprintf(out,
          "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#1f77b4\">training</text>\n"
          "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#ff7f0e\">held out</text>\n</svg>\n",
          MARGIN + 10, height - 12, MARGIN + 90, height - 12);
}
