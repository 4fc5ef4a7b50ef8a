package io.memflow.serving.tensor;

import io.memflow.serving.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes floats into the ggml formats a writer needs ({@code synth-model}, tests): F32, F16, BF16,
 * Q8_0 and Q4_0, with the rounding of ggml's reference quantizers. The k-quants are only read,
 * never written.
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
}
