/** The Q6_K quant type (ggml's 6-bit K-quant). The implementation package is not exported. */
module dev.kiln.quant.q6_k {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q6_k.Q6K;
}
