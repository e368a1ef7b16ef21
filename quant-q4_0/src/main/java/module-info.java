module dev.kiln.quant.q4_0 {
    requires dev.kiln.api;
}
