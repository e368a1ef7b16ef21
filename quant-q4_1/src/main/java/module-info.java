/** The Q4_1 quant type (32 4-bit values with an f16 scale and minimum per 20-byte block). Exports nothing. */
module dev.kiln.quant.q4_1 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q4_1.Q4_1;
}
