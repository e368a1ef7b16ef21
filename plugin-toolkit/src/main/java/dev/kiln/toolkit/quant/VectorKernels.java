package dev.kiln.toolkit.quant;

import dev.kiln.api.quant.DotKernel;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * For a plugin's {@code QuantType.vectorKernel()}: its Vector API kernel, or empty where
 * {@code jdk.incubator.vector} cannot be used (a class-path run without
 * {@code --add-modules jdk.incubator.vector}: creating the kernel then fails to link).
 * The factory's class is only touched when the factory runs, so a plugin stays loadable there.
 */
public final class VectorKernels {
    private VectorKernels() {
    }

    /** {@code factory}'s kernel, or empty if it cannot be linked in this JVM. */
    public static Optional<DotKernel<?>> ifAvailable(Supplier<? extends DotKernel<?>> factory) {
        try {
            return Optional.of(factory.get());
        } catch (LinkageError e) {
            return Optional.empty();
        }
    }
}
