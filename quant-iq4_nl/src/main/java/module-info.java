/** The IQ4_NL quant type (32 values on ggml's non-linear 4-bit codebook, one f16 scale per 18-byte block), with its own Vector API dot product in the non-exported package {@code vector}. Exports nothing. */
module dev.kiln.quant.iq4_nl {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.iq4_nl.IQ4NL;
}
