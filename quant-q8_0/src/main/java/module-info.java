/** The Q8_0 quant type (32 int8 values with one f16 scale per 34-byte block). Exports nothing. */
module dev.kiln.quant.q8_0 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q8_0.Q8_0;
}
