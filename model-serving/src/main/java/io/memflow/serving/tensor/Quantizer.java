package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes floats into the ggml formats a writer needs ({@code synth-model}, tests): F32, F16, BF16,
 * Q8_0 and Q4_0, with the rounding of ggml's reference quantizers, and Q4_K with a plain min/max
 * fit per 32-element sub-block (ggml's reference searches for better scales; for random benchmark
 * weights the layout, not the fit, is what matters).
 */
public final class Quantizer {
    private Quantizer() {}

    /** Encodes {@code values} (a block multiple) as {@code type}. */
    public static byte[] quantize(GgmlType type, float[] values) {
        ByteBuffer out =
                ByteBuffer.allocate((int) type.byteSize(values.length))
                        .order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32:
                for (float v : values) {
                    out.putFloat(v);
                }
                break;
            case F16:
                for (float v : values) {
                    out.putShort(Float16.fromFloat(v));
                }
                break;
            case BF16:
                for (float v : values) { // round to nearest even on the dropped 16 bits
                    int bits = Float.floatToRawIntBits(v);
                    out.putShort((short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
                }
                break;
            case Q8_0:
                for (int b = 0; b < values.length; b += 32) {
                    q8Block(values, b, out);
                }
                break;
            case Q4_0:
                for (int b = 0; b < values.length; b += 32) {
                    q4Block(values, b, out);
                }
                break;
            case Q4_K:
                for (int b = 0; b < values.length; b += 256) {
                    q4kBlock(values, b, out);
                }
                break;
            default:
                throw new IllegalArgumentException("cannot quantize to " + type);
        }
        return out.array();
    }

    private static void q8Block(float[] v, int from, ByteBuffer out) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(v[from + j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        out.putShort(Float16.fromFloat(d));
        for (int j = 0; j < 32; j++) {
            out.put((byte) Math.round(v[from + j] * id));
        }
    }

    private static void q4Block(float[] v, int from, ByteBuffer out) {
        // the signed value of largest magnitude maps to -8, so the full range -8..7 is used
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            if (Math.abs(v[from + j]) > amax) {
                amax = Math.abs(v[from + j]);
                max = v[from + j];
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        out.putShort(Float16.fromFloat(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (v[from + j] * id + 8.5f));
            int hi = Math.min(15, (int) (v[from + 16 + j] * id + 8.5f));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    /**
     * One Q4_K super-block (layout in {@link Q4_KTensor}): per sub-block an affine fit x ≈ scale *
     * q - min with q in 0..15 and min &gt;= 0; the eight scales and mins are then themselves
     * quantized to 6 bits against d and dmin.
     */
    private static void q4kBlock(float[] v, int from, ByteBuffer out) {
        float[] scale = new float[8];
        float[] min = new float[8];
        for (int sub = 0; sub < 8; sub++) {
            float lo = 0f; // min >= 0 in the format: the fit's offset never goes above zero
            float hi = 0f;
            for (int j = 0; j < 32; j++) {
                lo = Math.min(lo, v[from + 32 * sub + j]);
                hi = Math.max(hi, v[from + 32 * sub + j]);
            }
            scale[sub] = (hi - lo) / 15f;
            min[sub] = -lo;
        }
        float maxScale = 0f;
        float maxMin = 0f;
        for (int sub = 0; sub < 8; sub++) {
            maxScale = Math.max(maxScale, scale[sub]);
            maxMin = Math.max(maxMin, min[sub]);
        }
        float d = Float16.toFloat(Float16.fromFloat(maxScale / 63f));
        float dmin = Float16.toFloat(Float16.fromFloat(maxMin / 63f));
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int sub = 0; sub < 8; sub++) {
            sc[sub] = d == 0f ? 0 : Math.min(63, Math.round(scale[sub] / d));
            m[sub] = dmin == 0f ? 0 : Math.min(63, Math.round(min[sub] / dmin));
        }
        int at = out.position();
        out.putShort(Float16.fromFloat(d));
        out.putShort(Float16.fromFloat(dmin));
        byte[] packed = new byte[12];
        for (int i = 0; i < 8; i++) {
            if (i < 4) {
                packed[i] |= (byte) sc[i];
                packed[i + 4] |= (byte) m[i];
            } else {
                packed[i + 4] = (byte) ((sc[i] & 0xF) | ((m[i] & 0xF) << 4));
                packed[i - 4] |= (byte) ((sc[i] >> 4) << 6);
                packed[i] |= (byte) ((m[i] >> 4) << 6);
            }
        }
        out.put(packed);
        byte[] qs = new byte[128];
        for (int e = 0; e < 256; e++) {
            int sub = e / 32;
            float step = d * sc[sub];
            float offset = dmin * m[sub];
            int q =
                    step == 0f
                            ? 0
                            : Math.max(0, Math.min(15, Math.round((v[from + e] + offset) / step)));
            int g = e / 64;
            int idx = 32 * g + e % 32;
            qs[idx] |= (byte) (e % 64 < 32 ? q : q << 4);
        }
        out.put(qs);
        if (out.position() != at + 144) {
            throw new IllegalStateException("Q4_K block is 144 bytes");
        }
    }
}
