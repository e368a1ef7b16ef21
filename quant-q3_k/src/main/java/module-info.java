/** The Q3_K quant type (ggml's 3-bit K-quant). The implementation package is not exported. */
module dev.kiln.quant.q3_k {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q3_k.Q3K;
}
