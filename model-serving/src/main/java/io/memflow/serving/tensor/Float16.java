package io.memflow.serving.tensor;

/** IEEE 754 half precision conversions (Java 17 has no Float.float16ToFloat). */
public final class Float16 {
    /** All 65536 halves decoded (256 KiB): block scales are read once per 32 weights. */
    private static final float[] TABLE = new float[1 << 16];

    static {
        for (int h = 0; h < TABLE.length; h++) {
            TABLE[h] = decode((short) h);
        }
    }

    private Float16() {}

    public static float toFloat(short h) {
        return TABLE[h & 0xFFFF];
    }

    /** The reference conversion the table is built from. */
    static float decode(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        // Normal and subnormal halves alike: place exponent and mantissa in a float and rescale
        // by 2^112 (the bias difference 127 - 15); subnormals come out exact.
        float magnitude = Float.intBitsToFloat((exp << 23) | (mant << 13)) * 0x1.0p112f;
        return Float.intBitsToFloat(Float.floatToRawIntBits(magnitude) | sign);
    }

    /** Rounds to the nearest half (ties to even); overflows to infinity. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs >= 0x7F800000) { // inf or NaN
            return (short) (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0));
        }
        if (abs >= 0x477FF000) { // rounds to above the largest half (65504)
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) { // below the smallest normal half: subnormal or zero
            // in units of the half subnormal step 2^-24; rint rounds ties to even, and 1024
            // units correctly becomes the smallest normal's encoding 0x0400
            return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1.0p24));
        }
        int e = abs + 0xC8000000; // rebias exponent from 127 to 15 (subtract 112 << 23)
        int rounded = e + 0x0FFF + ((e >>> 13) & 1); // round to nearest even on bit 13
        return (short) (sign | (rounded >>> 13));
    }
}
