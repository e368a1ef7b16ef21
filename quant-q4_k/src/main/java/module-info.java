/** The Q4_K quant type (ggml's 4-bit K-quant). The implementation package is not exported. */
module dev.kiln.quant.q4_k {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q4_k.Q4K;
}
