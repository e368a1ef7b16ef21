/** The IQ4_XS quant type (ggml's non-linear 4-bit codes with 6-bit block scales, 4.25 bits per weight), with its own Vector API dot product in the non-exported package {@code vector}. Exports nothing. */
module dev.kiln.quant.iq4_xs {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.iq4_xs.IQ4XS;
}
