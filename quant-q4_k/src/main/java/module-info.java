module dev.kiln.quant.q4_k {
    requires dev.kiln.api;
}
