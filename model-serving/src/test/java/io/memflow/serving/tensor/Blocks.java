package io.memflow.serving.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Hand-built ggml blocks for tests: each packer writes the layout from the format description (the
 * inverse direction of the engine's readers) and returns the values it encoded.
 */
final class Blocks {
    private Blocks() {}

    static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Q4_K super-block with the given d, dmin, 6-bit scales/mins and 4-bit quants. */
    static void packQ4K(ByteBuffer out, int at, float d, float dmin, int[] sc, int[] m, int[] q) {
        out.putShort(at, Float16.fromFloat(d));
        out.putShort(at + 2, Float16.fromFloat(dmin));
        byte[] s = new byte[12];
        for (int i = 0; i < 8; i++) {
            if (i < 4) {
                s[i] |= (byte) sc[i];
                s[i + 4] |= (byte) m[i];
            } else {
                s[i + 4] = (byte) ((sc[i] & 0xF) | ((m[i] & 0xF) << 4));
                s[i - 4] |= (byte) ((sc[i] >> 4) << 6);
                s[i] |= (byte) ((m[i] >> 4) << 6);
            }
        }
        for (int i = 0; i < 12; i++) {
            out.put(at + 4 + i, s[i]);
        }
        for (int e = 0; e < 256; e++) {
            int g = e / 64;
            int within = e % 64;
            int idx = at + 16 + 32 * g + within % 32;
            byte b = out.get(idx);
            out.put(idx, (byte) (within < 32 ? (b & 0xF0) | q[e] : (b & 0x0F) | (q[e] << 4)));
        }
    }

    /** Expected Q4_K element e: d * sc[sub] * q - dmin * m[sub], sub = e / 32. */
    static float q4kValue(float d, float dmin, int[] sc, int[] m, int[] q, int e) {
        int sub = e / 32;
        return d * sc[sub] * q[e] - dmin * m[sub];
    }

    /** Q6_K super-block with d, 16 int8 scales and 256 quants in -32..31. */
    static void packQ6K(ByteBuffer out, int at, float d, int[] sc, int[] q) {
        for (int e = 0; e < 256; e++) {
            int h = e / 128;
            int rem = e % 128;
            int k = rem / 32;
            int l = rem % 32;
            int u = q[e] + 32;
            int qlIdx = at + 64 * h + l + 32 * (k & 1);
            byte ql = out.get(qlIdx);
            out.put(
                    qlIdx,
                    (byte) (k < 2 ? (ql & 0xF0) | (u & 0xF) : (ql & 0x0F) | ((u & 0xF) << 4)));
            int qhIdx = at + 128 + 32 * h + l;
            out.put(qhIdx, (byte) (out.get(qhIdx) | ((u >> 4) << (2 * k))));
        }
        for (int i = 0; i < 16; i++) {
            out.put(at + 192 + i, (byte) sc[i]);
        }
        out.putShort(at + 208, Float16.fromFloat(d));
    }

    /** Expected Q6_K element e: the scale index is the 16-element group of e. */
    static float q6kValue(float d, int[] sc, int[] q, int e) {
        return d * sc[e / 16] * q[e];
    }
}
