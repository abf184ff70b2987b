package io.specprefill.job.eval.sweep;

import io.specprefill.job.summary.RunSummary;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Paint;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The sweep's PNG plots, drawn with JFreeChart (Java2D, headless):
 * <ul>
 *   <li>{@value #SCORE_FILE}: score vs keep rate, one line per dataset (a color each) and look-ahead
 *       (a line style each: solid, dashed, dotted), each ending at the baseline's score at keep 1.0;</li>
 *   <li>{@value #TTFT_FILE}: TTFT vs prompt length N, one point per row, one series per run;</li>
 *   <li>{@value #SPEEDUP_FILE}: TTFT speed-up vs keep rate (the baseline's median TTFT over the run's,
 *       as sweep.md's "speed-up p50"), one line per look-ahead, each ending at 1x at keep 1.0.</li>
 * </ul>
 */
public final class SweepPlots {
    private SweepPlots() {
    }

    public static final String SCORE_FILE = "score-vs-keep.png";
    public static final String TTFT_FILE = "ttft-vs-prompt-length.png";
    public static final String SPEEDUP_FILE = "speedup-vs-keep.png";
    static final int WIDTH = 1000;
    static final int HEIGHT = 640;
    /** Tableau 10 without its yellow (too pale on white): one color per dataset or run. */
    private static final Paint[] PALETTE = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759),
        new Color(0x76B7B2), new Color(0x59A14F), new Color(0xB07AA1), new Color(0x9C755F), new Color(0xFF9DA7),
        new Color(0xBAB0AC), new Color(0x2F4B7C)};
    /** One line style per look-ahead: solid, dashed, dotted. */
    private static final Stroke[] DASHES = {new BasicStroke(2f),
        new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f),
        new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 4f}, 0f)};

    /** Writes the three plots into {@code dir}; returns their paths. */
    public static List<Path> write(Path dir, List<Sweep.Outcome> outcomes) {
        // Java2D must not look for a display: the sweep runs on servers and in CI.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        Path score = dir.resolve(SCORE_FILE);
        Path ttft = dir.resolve(TTFT_FILE);
        Path speedup = dir.resolve(SPEEDUP_FILE);
        save(scoreChart(outcomes), score);
        save(ttftChart(outcomes), ttft);
        save(speedupChart(outcomes), speedup);
        return List.of(score, ttft, speedup);
    }

    static JFreeChart scoreChart(List<Sweep.Outcome> outcomes) {
        Sweep.Outcome base = baseline(outcomes, "score");
        List<Integer> lookaheads = lookaheads(outcomes);
        List<String> datasets = outcomes.stream().flatMap(o -> o.summary().datasets().keySet().stream()).distinct()
                .sorted().toList();
        XYSeriesCollection data = new XYSeriesCollection();
        List<Paint> colors = new ArrayList<>();
        List<Stroke> strokes = new ArrayList<>();
        for (int li = 0; li < lookaheads.size(); li++) {
            int a = lookaheads.get(li);
            for (int di = 0; di < datasets.size(); di++) {
                String d = datasets.get(di);
                XYSeries series = new XYSeries(lookaheads.size() > 1 ? d + " (A=" + a + ")" : d);
                addScore(series, base, d);
                outcomes.stream().filter(o -> !o.run().baseline() && o.run().lookahead() == a)
                        .forEach(o -> addScore(series, o, d));
                if (series.getItemCount() > 0) {
                    data.addSeries(series);
                    colors.add(PALETTE[di % PALETTE.length]);
                    strokes.add(DASHES[li % DASHES.length]);
                }
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Score vs keep rate", "keep rate p (1.0 = full prefill)",
                "score", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart, true, colors);
        for (int i = 0; i < strokes.size(); i++) {
            ((XYLineAndShapeRenderer) plot.getRenderer()).setSeriesStroke(i, strokes.get(i));
        }
        ((NumberAxis) plot.getDomainAxis()).setRange(0.0, 1.05);
        return chart;
    }

    /** The dataset's score in this run, where its rows carry answers. */
    private static void addScore(XYSeries series, Sweep.Outcome o, String dataset) {
        RunSummary.DatasetSummary d = o.summary().datasets().get(dataset);
        SweepTable.Score s = d == null ? null : SweepTable.score(dataset, d);
        if (s != null) {
            series.add(o.run().keep(), s.value());
        }
    }

    static JFreeChart ttftChart(List<Sweep.Outcome> outcomes) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Sweep.Outcome o : outcomes) {
            XYSeries s = new XYSeries(o.run().label(), false, true);
            for (int i = 0; i < o.promptTokens().length; i++) {
                s.add(o.promptTokens()[i], o.ttftMs()[i]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createScatterPlot("TTFT vs prompt length", "prompt tokens N",
                "time to first token (ms)", data, PlotOrientation.VERTICAL, true, false, false);
        List<Paint> colors = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            colors.add(outcomes.get(i).run().baseline() ? Color.BLACK : PALETTE[i % PALETTE.length]);
        }
        style(chart, false, colors);
        return chart;
    }

    static JFreeChart speedupChart(List<Sweep.Outcome> outcomes) {
        double base = baseline(outcomes, "speed-up").summary().ttftMs().p50();
        List<Integer> lookaheads = lookaheads(outcomes);
        XYSeriesCollection data = new XYSeriesCollection();
        List<Paint> colors = new ArrayList<>();
        for (int li = 0; li < lookaheads.size(); li++) {
            int a = lookaheads.get(li);
            XYSeries series = new XYSeries("look-ahead " + a);
            series.add(1.0, 1.0);
            outcomes.stream().filter(o -> !o.run().baseline() && o.run().lookahead() == a)
                    .filter(o -> base > 0 && o.summary().ttftMs().p50() > 0)
                    .forEach(o -> series.add(o.run().keep(), base / o.summary().ttftMs().p50()));
            data.addSeries(series);
            colors.add(PALETTE[li % PALETTE.length]);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("TTFT speed-up vs keep rate (median TTFT, baseline / run)",
                "keep rate", "speed-up (x)", data, PlotOrientation.VERTICAL, true, false, false);
        style(chart, true, colors);
        return chart;
    }

    private static Sweep.Outcome baseline(List<Sweep.Outcome> outcomes, String plot) {
        return outcomes.stream().filter(o -> o.run().baseline()).findFirst().orElseThrow(
                () -> new IllegalArgumentException("the " + plot + " plot needs the keep 1.0 baseline run"));
    }

    /** The look-aheads of the speculative runs, in sweep order. */
    private static List<Integer> lookaheads(List<Sweep.Outcome> outcomes) {
        return outcomes.stream().filter(o -> !o.run().baseline()).map(o -> o.run().lookahead()).distinct().toList();
    }

    /** White background, light grid, visible points in the given colors; lines only where {@code lines}. */
    private static XYPlot style(JFreeChart chart, boolean lines, List<Paint> colors) {
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(lines, true);
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, DASHES[0]);
            renderer.setSeriesPaint(i, colors.get(i));
            renderer.setSeriesShape(i, new Ellipse2D.Double(-4, -4, 8, 8));
        }
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        return plot;
    }

    private static void save(JFreeChart chart, Path file) {
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plot " + file, e);
        } catch (UnsatisfiedLinkError | InternalError e) {
            // The JDK's font stack is missing on a bare server: libharfbuzz/libfreetype (UnsatisfiedLinkError)
            // or any font (InternalError, "Fontconfig head is null"). Both seen on the GPU box, 2026-11-30.
            throw new IllegalStateException("cannot draw the plot " + file + ": this Java runtime cannot render text ("
                    + rootMessage(e) + "). Install the fonts and font libraries (Debian: fonts-dejavu-core, libharfbuzz0b,"
                    + " libfreetype6) or use the runtime of scripts/gpu-bundle.sh, which carries them; then rerun the"
                    + " sweep with --resume to draw the plots from the finished runs", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
