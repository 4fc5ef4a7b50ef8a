package io.memflow.serving.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API species the vector kernels use.
 *
 * <p>Float-only kernels (F32 weights, activations) use the preferred species capped at 256 bits
 * ({@link #F}). Why the cap: on JDK 17 with AVX-512, C2 failed to intrinsify the 512-bit {@code
 * intoArray} of the attention mix ({@code VectorSupport::store failed to inline (intrinsic)} under
 * {@code -XX:+PrintIntrinsics}); the accumulators were then boxed and the mix took half of the
 * decode time (JFR, docs/BENCHMARKS.md issue 15). With 256 bits it took 2 %. AMD Zen 4 runs 512-bit
 * instructions as two 256-bit halves anyway, and decode is bound by memory, so the cap costs
 * nothing measurable; it also makes AVX2 and AVX-512 hosts run the same code. Kernels that widen
 * bytes or shorts to floats use at most 256-bit floats ({@link #QF}) with byte/short/int species of
 * the same lane count ({@link #QB}, {@link #QS}, {@link #QI}), so a load of QL quantized values
 * widens lane for lane into one float vector.
 */
public final class Lanes {
    /** Preferred float species for float-only kernels, at most 256 bits (see above). */
    public static final VectorSpecies<Float> F =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() > 256
                    ? FloatVector.SPECIES_256
                    : FloatVector.SPECIES_PREFERRED;

    public static final int L = F.length();

    /** Float species for kernels that widen quantized values (the same as {@link #F}). */
    public static final VectorSpecies<Float> QF = F;

    public static final int QL = QF.length();

    /** QL bytes. */
    public static final VectorSpecies<Byte> QB = ByteVector.SPECIES_MAX.withShape(shape(8 * QL));

    /** QL shorts. */
    public static final VectorSpecies<Short> QS = ShortVector.SPECIES_MAX.withShape(shape(16 * QL));

    /** QL ints (same shape as {@link #QF}). */
    public static final VectorSpecies<Integer> QI =
            IntVector.SPECIES_MAX.withShape(QF.vectorShape());

    private Lanes() {}

    private static VectorShape shape(int bits) {
        // 4 float lanes would need 32-bit byte vectors, which do not exist: the selector then
        // picks the scalar kernels (see Kernels.preferred), so any valid shape will do here.
        return bits >= 64 ? VectorShape.forBitSize(bits) : VectorShape.S_64_BIT;
    }

    /** Whether quantized kernels can run: block sizes (16, 32, 256) must be QL multiples. */
    public static boolean usable() {
        return QL == 8 || QL == 16;
    }
}
