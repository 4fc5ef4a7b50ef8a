package io.memflow.serving.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.memflow.serving.gguf.GgmlType;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Dequantization of every type against values the test computes itself from hand-built blocks.
 * Scales are exact in f16, so dequantized values must match exactly (up to float rounding of one
 * multiply-add).
 */
class DequantizeTest {

    @Test
    void f32() {
        float[] v = {1.5f, -2f, 0f, 3.25f, 1e-7f};
        ByteBuffer b = Blocks.le(4 * v.length);
        for (int i = 0; i < v.length; i++) {
            b.putFloat(4 * i, v[i]);
        }
        check(FloatTensor.wrap(GgmlType.F32, b, v.length), v);
    }

    @Test
    void f16() {
        // normal, negative, largest, smallest normal, subnormals, zero
        float[] v = {
            1.5f, -2.25f, 65504f, 0x1.0p-14f, 0x1.0p-24f, -0x1.8p-20f, 0f, 0.333251953125f
        };
        short[] bits = {0x3E00, (short) 0xC080, 0x7BFF, 0x0400, 0x0001, (short) 0x8018, 0, 0x3555};
        ByteBuffer b = Blocks.le(2 * v.length);
        for (int i = 0; i < v.length; i++) {
            b.putShort(2 * i, bits[i]);
            assertThat(Float16.fromFloat(v[i])).isEqualTo(bits[i]);
        }
        check(FloatTensor.wrap(GgmlType.F16, b, v.length), v);
    }

    @Test
    void float16RoundTripsEveryFiniteHalf() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7C00) == 0x7C00) {
                continue; // inf / NaN
            }
            float f = Float16.toFloat((short) h);
            assertThat(Float16.fromFloat(f) & 0xFFFF).as("half 0x%04x", h).isEqualTo(h);
        }
    }

    @Test
    void bf16() {
        float[] v = {1f, -3.5f, 0.15625f, 0x1.2p99f}; // all exact in bfloat16
        ByteBuffer b = Blocks.le(2 * v.length);
        for (int i = 0; i < v.length; i++) {
            b.putShort(2 * i, (short) (Float.floatToRawIntBits(v[i]) >>> 16));
        }
        check(FloatTensor.wrap(GgmlType.BF16, b, v.length), v);
    }

    @Test
    void q8_0() {
        ByteBuffer b = Blocks.le(2 * 34);
        float[] expected = new float[64];
        float[] d = {0.5f, -0.125f};
        for (int blk = 0; blk < 2; blk++) {
            b.putShort(blk * 34, Float16.fromFloat(d[blk]));
            for (int j = 0; j < 32; j++) {
                int q = blk == 0 ? j - 16 : 127 - 8 * j;
                b.put(blk * 34 + 2 + j, (byte) q);
                expected[blk * 32 + j] = d[blk] * (byte) q;
            }
        }
        check(FloatTensor.wrap(GgmlType.Q8_0, b, 64), expected);
    }

    @Test
    void q4_0() {
        ByteBuffer b = Blocks.le(18);
        float d = 0.25f;
        b.putShort(0, Float16.fromFloat(d));
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            int lo = j;
            int hi = 15 - j;
            b.put(2 + j, (byte) (lo | (hi << 4)));
            expected[j] = d * (lo - 8);
            expected[j + 16] = d * (hi - 8);
        }
        check(FloatTensor.wrap(GgmlType.Q4_0, b, 32), expected);
    }

    @Test
    void q4_K() {
        ByteBuffer b = Blocks.le(144);
        float d = 0.5f;
        float dmin = 0.25f;
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int s = 0; s < 8; s++) {
            sc[s] = (s * 23 + 5) % 64; // values above 15 exercise the packed top bits
            m[s] = (s * 41 + 17) % 64;
        }
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 7 + e / 32) % 16;
        }
        Blocks.packQ4K(b, 0, d, dmin, sc, m, q);
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            expected[e] = Blocks.q4kValue(d, dmin, sc, m, q, e);
        }
        check(FloatTensor.wrap(GgmlType.Q4_K, b, 256), expected);
    }

    @Test
    void q6_K() {
        ByteBuffer b = Blocks.le(210);
        float d = 0.125f;
        int[] sc = new int[16];
        for (int i = 0; i < 16; i++) {
            sc[i] = i * 9 - 70; // negative and positive int8 scales
        }
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 11 + e / 64) % 64 - 32;
        }
        Blocks.packQ6K(b, 0, d, sc, q);
        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            expected[e] = Blocks.q6kValue(d, sc, q, e);
        }
        check(FloatTensor.wrap(GgmlType.Q6_K, b, 256), expected);
    }

    /** getFloat, dequantize (whole and from an offset inside a block) and the scalar dot. */
    private static void check(FloatTensor t, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(t.getFloat(i)).as("element %d", i).isEqualTo(expected[i]);
        }
        float[] all = new float[expected.length];
        t.dequantize(0, all, 0, expected.length);
        assertThat(all).containsExactly(expected);
        if (expected.length > 3) {
            float[] part = new float[expected.length + 2];
            t.dequantize(3, part, 2, expected.length - 3);
            for (int i = 3; i < expected.length; i++) {
                assertThat(part[i - 1]).isEqualTo(expected[i]);
            }
        }
        float[] x = new float[expected.length];
        double dot = 0;
        double scale = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 5) - 2.5f;
            dot += (double) expected[i] * x[i];
            scale += Math.abs((double) expected[i] * x[i]);
        }
        assertThat((double) t.dotScalar(0, x, 0, x.length))
                .isCloseTo(dot, within(1e-6 * scale + 1e-30));
    }
}
