package io.memflow.jobs.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws the report's two charts with java.awt (headless): recall@k against retrieved tokens per
 * query (log x axis, one line per system, a marker per k), and stored tokens per system (bars).
 */
final class Plots {
    private Plots() {}

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int W = 900;
    private static final int H = 600;
    private static final int LEFT = 90;
    private static final int RIGHT = 40;
    private static final int TOP = 60;
    private static final int BOTTOM = 80;
    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)
    };

    /** One system's curve: points (tokens, recall) in increasing k. */
    record Series(String name, double[] x, double[] y) {}

    static void recallVsTokens(List<Series> series, String title, Path file) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, title);
        double minX = Double.MAX_VALUE;
        double maxX = 0;
        for (Series s : series) {
            for (double x : s.x()) {
                if (x > 0) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                }
            }
        }
        double lo = Math.floor(Math.log10(Math.max(minX, 1)));
        double hi = Math.ceil(Math.log10(Math.max(maxX, 10)));
        if (hi <= lo) {
            hi = lo + 1;
        }
        final double l0 = lo;
        final double l1 = hi;
        java.util.function.DoubleUnaryOperator px =
                x -> LEFT + (Math.log10(Math.max(x, 1)) - l0) / (l1 - l0) * (W - LEFT - RIGHT);
        java.util.function.DoubleUnaryOperator py = y -> H - BOTTOM - y * (H - TOP - BOTTOM);
        // grid and ticks
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int d = (int) lo; d <= (int) hi; d++) {
            int x = (int) px.applyAsDouble(Math.pow(10, d));
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, TOP, x, H - BOTTOM);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%,d", (long) Math.pow(10, d)), x - 14, H - BOTTOM + 20);
        }
        for (int i = 0; i <= 10; i += 2) {
            int y = (int) py.applyAsDouble(i / 10.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, W - RIGHT, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.1f", i / 10.0), LEFT - 35, y + 5);
        }
        axes(g, "retrieved tokens per query (log scale, word tokens)", "recall@k (evidence turns)");
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            g.setColor(COLORS[si % COLORS.length]);
            g.setStroke(new BasicStroke(2.5f));
            int prevX = -1;
            int prevY = -1;
            for (int i = 0; i < s.x().length; i++) {
                int x = (int) px.applyAsDouble(s.x()[i]);
                int y = (int) py.applyAsDouble(s.y()[i]);
                g.fillOval(x - 4, y - 4, 8, 8);
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, x, y);
                }
                prevX = x;
                prevY = y;
            }
        }
        legend(g, series.stream().map(Series::name).toList());
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    static void storedTokens(List<String> names, List<Long> values, String title, Path file)
            throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, title);
        long max = 1;
        for (long v : values) {
            max = Math.max(max, v);
        }
        double top = niceCeil(max);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int i = 0; i <= 5; i++) {
            double v = top * i / 5;
            int y = (int) (H - BOTTOM - v / top * (H - TOP - BOTTOM));
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, W - RIGHT, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%,d", (long) v), 10, y + 5);
        }
        int slot = (W - LEFT - RIGHT) / Math.max(names.size(), 1);
        for (int i = 0; i < names.size(); i++) {
            int h = (int) (values.get(i) / top * (H - TOP - BOTTOM));
            int x = LEFT + i * slot + slot / 4;
            g.setColor(COLORS[i % COLORS.length]);
            g.fillRect(x, H - BOTTOM - h, slot / 2, h);
            g.setColor(Color.BLACK);
            g.drawString(names.get(i), x, H - BOTTOM + 20);
            g.drawString(String.format("%,d", values.get(i)), x, H - BOTTOM - h - 6);
        }
        axes(g, "system", "stored tokens (word tokens, all conversations)");
        legend(g, names);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static Graphics2D canvas(BufferedImage img, String title) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 30);
        return g;
    }

    private static void axes(Graphics2D g, String xLabel, String yLabel) {
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
        g.drawLine(LEFT, TOP, LEFT, H - BOTTOM);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        int w = g.getFontMetrics().stringWidth(xLabel);
        g.drawString(xLabel, LEFT + (W - LEFT - RIGHT - w) / 2, H - 30);
        AffineTransform old = g.getTransform();
        g.rotate(-Math.PI / 2);
        int yw = g.getFontMetrics().stringWidth(yLabel);
        g.drawString(yLabel, -(TOP + (H - TOP - BOTTOM + yw) / 2), 22);
        g.setTransform(old);
    }

    private static void legend(Graphics2D g, List<String> names) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int x = W - RIGHT - 170;
        // lower right: the curves rise to the upper right, the bars start at the bottom left
        int y = H - BOTTOM - names.size() * 22 - 60;
        g.setColor(Color.WHITE);
        g.fillRect(x - 8, y - 4, 170, names.size() * 22 + 8);
        g.setColor(Color.GRAY);
        g.drawRect(x - 8, y - 4, 170, names.size() * 22 + 8);
        for (int i = 0; i < names.size(); i++) {
            g.setColor(COLORS[i % COLORS.length]);
            g.fillRect(x, y + i * 22 + 4, 14, 10);
            g.setColor(Color.BLACK);
            g.drawString(names.get(i), x + 22, y + i * 22 + 14);
        }
    }

    private static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
