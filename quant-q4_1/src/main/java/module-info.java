/** The Q4_1 quant type (32 4-bit values with an f16 scale and minimum per 20-byte block), with its own Vector API dot product in the non-exported package {@code vector}. Exports nothing. */
module dev.kiln.quant.q4_1 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q4_1.Q4_1;
}
