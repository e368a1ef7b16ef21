package dev.kiln.backend.vector;

import java.util.Optional;

/**
 * Whether the Vector API can run here, decided once. Touches {@code jdk.incubator.vector} classes
 * only after finding the module readable, so a JVM without it gets a reason, not a linkage error.
 */
final class VectorSupport {

    private VectorSupport() {
    }

    static Optional<String> unsupportedReason() {
        return Holder.REASON;
    }

    private static final class Holder {
        static final Optional<String> REASON = Optional.ofNullable(check());
    }

    private static String check() {
        Module self = VectorSupport.class.getModule();
        ModuleLayer layer = self.getLayer() != null ? self.getLayer() : ModuleLayer.boot();
        Optional<Module> vector = layer.findModule("jdk.incubator.vector");
        if (vector.isEmpty() || !self.canRead(vector.get())) {
            return "module jdk.incubator.vector is not available (add --add-modules jdk.incubator.vector)";
        }
        String vmInfo = System.getProperty("java.vm.info", "");
        if (vmInfo.contains("interpreted mode")) {
            return "the JIT is off (-Xint), so Vector API calls would not be compiled to SIMD instructions";
        }
        try {
            int bits = Width.preferredBits();
            if (bits < 128) {
                return "preferred vector size is " + bits + " bits, below the 128 the kernels need";
            }
        } catch (LinkageError | RuntimeException e) {
            return "the Vector API failed to initialize: " + e;
        }
        return null;
    }

    /** Separate class so the incubator type is resolved only when the module is known to be there. */
    private static final class Width {
        static int preferredBits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
