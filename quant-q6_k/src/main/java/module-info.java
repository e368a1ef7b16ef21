module dev.kiln.quant.q6_k {
    requires dev.kiln.api;
}
