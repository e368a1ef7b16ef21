/** The Q4_0 quant type (32 4-bit values with one f16 scale per 18-byte block). Exports nothing. */
module dev.kiln.quant.q4_0 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q4_0.Q4_0;
}
