/**
 * The Q5_0 quant type (32 5-bit values with one f16 scale per 22-byte block), with a Vector API
 * dot product of its own in the non-exported package {@code vector}. Exports nothing.
 */
module dev.kiln.quant.q5_0 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q5_0.Q5_0;
}
