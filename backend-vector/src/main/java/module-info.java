/**
 * The Vector API compute backend ({@code vector}): SIMD kernels for every op and the built-in
 * weight types, run on its own worker threads. Only this module (and {@code *.vector} packages
 * of quant plugins) may use {@code jdk.incubator.vector}.
 */
module dev.kiln.backend.vector {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    exports dev.kiln.backend.vector;

    provides dev.kiln.api.backend.Backend with dev.kiln.backend.vector.VectorBackend;
}
