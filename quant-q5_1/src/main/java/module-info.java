/** The Q5_1 quant type (32 5-bit values with an f16 scale and minimum per 24-byte block), with its own Vector API dot product in the non-exported package {@code vector}. Exports nothing. */
module dev.kiln.quant.q5_1 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q5_1.Q5_1;
}
