package org.tramontane.modeltest;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.tramontane.convert.StagedOutputs;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG MindIE lacks: first-token latency (left) and per-token decode latency (right, mean solid,
 * p90 dashed) against the input length, one colour per batch size. Drawn with XChart.
 */
final class LatencyChart {
    private static final int WIDTH = 700;
    private static final int HEIGHT = 480;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    private LatencyChart() {}

    /** Draws the chart as {@code file}'s temporary in {@code staged}; it appears at the set's commit. */
    static void write(StagedOutputs staged, Path file, List<PerfCase> cases, String subtitle) {
        TreeMap<Integer, List<PerfCase>> byBatch = new TreeMap<>();
        for (PerfCase c : cases) byBatch.computeIfAbsent(c.batchSize(), b -> new java.util.ArrayList<>()).add(c);

        XYChart first = chart("First-token latency (prefill)  " + subtitle, "first token (ms)");
        XYChart decode = chart("Per-token latency (decode)  " + subtitle, "per token (ms)");
        int i = 0;
        for (var e : byBatch.entrySet()) {
            Color color = COLORS[i++ % COLORS.length];
            List<PerfCase> pts = e.getValue().stream().sorted(Comparator.comparingInt(c -> c.pair().inputLen())).toList();
            String bs = "batch " + e.getKey();
            line(first, bs, pts, PerfCase::firstTokenMs, color, SeriesLines.SOLID);
            line(decode, bs + " mean", pts, PerfCase::nonFirstTokenMs, color, SeriesLines.SOLID);
            line(decode, bs + " p90", pts, c -> c.decodePercentileMs(90), color, SeriesLines.DASH_DASH);
        }
        BufferedImage image = new BufferedImage(2 * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.drawImage(BitmapEncoder.getBufferedImage(first), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(decode), WIDTH, 0, null);
        g.dispose();
        try {
            ImageIO.write(image, "png", staged.file(file).toFile());
        } catch (IOException e) {
            throw Csv.cannotWrite(file, e);
        }
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("input length (tokens)")
                .yAxisTitle(yTitle).build();
        XYStyler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xdddddd));
        // below the plot, so that no line is hidden behind it
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setYAxisMin(0.0);
        s.setDecimalPattern("#,##0.##");
        return c;
    }

    private static void line(XYChart chart, String name, List<PerfCase> pts, ToDoubleFunction<PerfCase> y, Color color,
            java.awt.BasicStroke stroke) {
        double[] xs = pts.stream().mapToDouble(c -> c.pair().inputLen()).toArray();
        double[] ys = pts.stream().mapToDouble(y).toArray();
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setLineStyle(stroke);
        s.setMarker(SeriesMarkers.CIRCLE);
    }
}
