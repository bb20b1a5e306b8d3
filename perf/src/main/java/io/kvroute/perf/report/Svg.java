package io.kvroute.perf.report;

import java.util.List;
import java.util.Locale;

/** Minimal inline-SVG charts (no scripts, no external resources) for the HTML report. */
final class Svg {

  static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
      "#7f7f7f", "#bcbd22", "#17becf"};
  private static final int W = 640;
  private static final int H = 300;
  private static final int L = 60;
  private static final int R = 20;
  private static final int T = 30;
  private static final int B = 45;

  /** A point in data coordinates with a series index (colour). */
  record Point(double x, double y, int series) {
  }

  private Svg() {
  }

  static String scatter(String title, String xLabel, String yLabel, List<Point> points, boolean lines) {
    double maxX = 0;
    double maxY = 0;
    for (Point p : points) {
      maxX = Math.max(maxX, p.x());
      maxY = Math.max(maxY, p.y());
    }
    maxX = niceCeil(maxX);
    maxY = niceCeil(maxY);
    StringBuilder sb = open(title);
    axes(sb, xLabel, yLabel, maxX, maxY);
    if (lines) {
      sb.append("<polyline fill=\"none\" stroke=\"").append(PALETTE[0]).append("\" stroke-width=\"2\" points=\"");
      for (Point p : points) {
        sb.append(fmt(sx(p.x(), maxX))).append(',').append(fmt(sy(p.y(), maxY))).append(' ');
      }
      sb.append("\"/>\n");
    } else {
      for (Point p : points) {
        sb.append("<circle r=\"2\" fill-opacity=\"0.6\" fill=\"").append(PALETTE[p.series() % PALETTE.length])
            .append("\" cx=\"").append(fmt(sx(p.x(), maxX))).append("\" cy=\"").append(fmt(sy(p.y(), maxY)))
            .append("\"/>\n");
      }
    }
    return sb.append("</svg>\n").toString();
  }

  static String bars(String title, String yLabel, List<String> labels, List<Double> values) {
    double maxY = 0;
    for (double v : values) {
      maxY = Math.max(maxY, v);
    }
    maxY = niceCeil(maxY);
    StringBuilder sb = open(title);
    axes(sb, "", yLabel, 0, maxY);
    int n = Math.max(1, labels.size());
    double slot = (W - L - R) / (double) n;
    for (int i = 0; i < labels.size(); i++) {
      double x = L + i * slot + slot * 0.15;
      double y = sy(values.get(i), maxY);
      sb.append("<rect fill=\"").append(PALETTE[i % PALETTE.length]).append("\" x=\"").append(fmt(x))
          .append("\" y=\"").append(fmt(y)).append("\" width=\"").append(fmt(slot * 0.7)).append("\" height=\"")
          .append(fmt(H - B - y)).append("\"/>\n");
      sb.append("<text font-size=\"11\" text-anchor=\"middle\" x=\"").append(fmt(x + slot * 0.35))
          .append("\" y=\"").append(H - B + 14).append("\">").append(Html.escape(labels.get(i))).append("</text>\n");
      sb.append("<text font-size=\"11\" text-anchor=\"middle\" x=\"").append(fmt(x + slot * 0.35))
          .append("\" y=\"").append(fmt(y - 3)).append("\">").append(fmtValue(values.get(i))).append("</text>\n");
    }
    return sb.append("</svg>\n").toString();
  }

  private static StringBuilder open(String title) {
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
        .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" font-family=\"sans-serif\">\n");
    sb.append("<text x=\"").append(W / 2).append("\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">")
        .append(Html.escape(title)).append("</text>\n");
    return sb;
  }

  private static void axes(StringBuilder sb, String xLabel, String yLabel, double maxX, double maxY) {
    sb.append("<line stroke=\"#333\" x1=\"").append(L).append("\" y1=\"").append(H - B).append("\" x2=\"")
        .append(W - R).append("\" y2=\"").append(H - B).append("\"/>\n");
    sb.append("<line stroke=\"#333\" x1=\"").append(L).append("\" y1=\"").append(T).append("\" x2=\"").append(L)
        .append("\" y2=\"").append(H - B).append("\"/>\n");
    for (int i = 0; i <= 4; i++) {
      double v = maxY * i / 4;
      double y = sy(v, maxY);
      sb.append("<line stroke=\"#ddd\" x1=\"").append(L).append("\" x2=\"").append(W - R).append("\" y1=\"")
          .append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>\n");
      sb.append("<text font-size=\"10\" text-anchor=\"end\" x=\"").append(L - 4).append("\" y=\"")
          .append(fmt(y + 3)).append("\">").append(fmtValue(v)).append("</text>\n");
      if (maxX > 0) {
        double xv = maxX * i / 4;
        sb.append("<text font-size=\"10\" text-anchor=\"middle\" x=\"").append(fmt(sx(xv, maxX)))
            .append("\" y=\"").append(H - B + 14).append("\">").append(fmtValue(xv)).append("</text>\n");
      }
    }
    sb.append("<text font-size=\"11\" text-anchor=\"middle\" x=\"").append((L + W - R) / 2).append("\" y=\"")
        .append(H - 8).append("\">").append(Html.escape(xLabel)).append("</text>\n");
    sb.append("<text font-size=\"11\" text-anchor=\"middle\" transform=\"translate(14,").append((T + H - B) / 2)
        .append(") rotate(-90)\">").append(Html.escape(yLabel)).append("</text>\n");
  }

  private static double sx(double x, double maxX) {
    return L + (maxX <= 0 ? 0 : x / maxX) * (W - L - R);
  }

  private static double sy(double y, double maxY) {
    return H - B - (maxY <= 0 ? 0 : y / maxY) * (H - B - T);
  }

  /** 1, 2, 2.5, 5 × 10^k at or above v. */
  static double niceCeil(double v) {
    if (v <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String fmtValue(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.2f" : "%.1f", v);
  }
}
