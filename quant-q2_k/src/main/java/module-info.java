/** The Q2_K quant type (ggml's 2-bit K-quant). The implementation package is not exported. */
module dev.kiln.quant.q2_k {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.q2_k.Q2K;
}
