package dev.kiln.backend.vector;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width the kernels run at. Each width is its own final class whose methods return
 * {@code static final} species: the JIT only emits SIMD instructions when the species is a
 * compile-time constant, and with a single width loaded in a run (the normal case) class-hierarchy
 * analysis inlines these calls to constants. Tests that load several widths stay correct, just slower.
 */
public abstract sealed class Lanes permits Lanes.Bits512, Lanes.Bits256, Lanes.Bits128 {

    /** Float lanes. */
    abstract VectorSpecies<Float> floats();

    /** Int lanes, as many as {@link #floats()}. */
    abstract VectorSpecies<Integer> ints();

    /** Short lanes, as many as {@link #floats()} (half the bits). */
    abstract VectorSpecies<Short> shorts();

    /** Bits per float vector. */
    public abstract int bits();

    /** Bytes are always loaded 16 at a time (one quant half-block); 128-bit byte loads exist on every SIMD x86/ARM. */
    static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_128;

    /** The preferred width of this machine. */
    public static Lanes preferred() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return of(bits >= 512 ? 512 : bits >= 256 ? 256 : 128);
    }

    /**
     * The kernels at {@code bits} (128, 256 or 512). Each width is made by a factory declared to
     * return {@code Lanes}, never by {@code new} here: the bytecode verifier loads every class this
     * method could return as itself, and with the three subclasses loaded, class-hierarchy analysis
     * no longer makes the species constants — C2 then left some kernels' Vector API calls
     * un-intrinsified (Q4_K/Q6_K decoding ran at half speed, the segment checks of their scalar
     * fallback showing in JFR).
     */
    public static Lanes of(int bits) {
        return switch (bits) {
            case 512 -> Bits512.create();
            case 256 -> Bits256.create();
            case 128 -> Bits128.create();
            default -> throw new IllegalArgumentException("no kernels for " + bits + "-bit vectors");
        };
    }

    @Override
    public String toString() {
        return bits() + "-bit";
    }

    static final class Bits512 extends Lanes {
        static Lanes create() {
            return new Bits512();
        }

        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;

        @Override VectorSpecies<Float> floats() { return F; }
        @Override VectorSpecies<Integer> ints() { return I; }
        @Override VectorSpecies<Short> shorts() { return S; }
        @Override public int bits() { return 512; }
    }

    static final class Bits256 extends Lanes {
        static Lanes create() {
            return new Bits256();
        }

        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;

        @Override VectorSpecies<Float> floats() { return F; }
        @Override VectorSpecies<Integer> ints() { return I; }
        @Override VectorSpecies<Short> shorts() { return S; }
        @Override public int bits() { return 256; }
    }

    static final class Bits128 extends Lanes {
        static Lanes create() {
            return new Bits128();
        }

        private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_128;
        private static final VectorSpecies<Short> S = ShortVector.SPECIES_64;

        @Override VectorSpecies<Float> floats() { return F; }
        @Override VectorSpecies<Integer> ints() { return I; }
        @Override VectorSpecies<Short> shorts() { return S; }
        @Override public int bits() { return 128; }
    }
}
