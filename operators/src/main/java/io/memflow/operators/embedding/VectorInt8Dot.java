package io.memflow.operators.embedding;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link Int8Dot#scalar}: eight int8 values widened to eight ints per step
 * (256-bit integer lanes, AVX2), multiplied by the question's ints and summed in two accumulators.
 * Loaded only when the {@code jdk.incubator.vector} module is present.
 */
final class VectorInt8Dot {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;

    private VectorInt8Dot() {}

    /** Whether 256-bit integer vectors are native here (else the scalar kernel is faster). */
    static boolean usable() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    static int dot(int[] q, byte[] d, int off, int n) {
        IntVector acc0 = IntVector.zero(I);
        IntVector acc1 = IntVector.zero(I);
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            IntVector d0 =
                    (IntVector)
                            ByteVector.fromArray(B, d, off + i)
                                    .convertShape(VectorOperators.B2I, I, 0);
            IntVector d1 =
                    (IntVector)
                            ByteVector.fromArray(B, d, off + i + 8)
                                    .convertShape(VectorOperators.B2I, I, 0);
            acc0 = acc0.add(d0.mul(IntVector.fromArray(I, q, i)));
            acc1 = acc1.add(d1.mul(IntVector.fromArray(I, q, i + 8)));
        }
        int s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += q[i] * d[off + i];
        }
        return s;
    }
}
