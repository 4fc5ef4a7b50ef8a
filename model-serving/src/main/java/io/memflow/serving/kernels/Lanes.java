package io.memflow.serving.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API species every vector kernel uses. All are sized so that one vector of bytes,
 * shorts or ints converts lane for lane into one {@link #F} vector of floats: a kernel loads {@code
 * F.length()} quantized values and widens them in one step.
 */
public final class Lanes {
    /** Preferred float species (512 bits, 16 lanes, on AVX-512 machines). */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static final int L = F.length();

    /** L bytes. */
    public static final VectorSpecies<Byte> B = ByteVector.SPECIES_MAX.withShape(shape(8 * L));

    /** L shorts. */
    public static final VectorSpecies<Short> S = ShortVector.SPECIES_MAX.withShape(shape(16 * L));

    /** L ints (same shape as {@link #F}). */
    public static final VectorSpecies<Integer> I = IntVector.SPECIES_MAX.withShape(F.vectorShape());

    private Lanes() {}

    private static VectorShape shape(int bits) {
        // 4 float lanes would need 32-bit byte vectors, which do not exist: the selector then
        // picks the scalar kernels (see Kernels.preferred), so any valid shape will do here.
        return bits >= 64 ? VectorShape.forBitSize(bits) : VectorShape.S_64_BIT;
    }

    /** Whether quantized kernels can run: block sizes (16, 32, 256 lanes) must be L multiples. */
    public static boolean usable() {
        return L == 8 || L == 16;
    }
}
