module dev.kiln.quant.q8_0 {
    requires dev.kiln.api;
}
