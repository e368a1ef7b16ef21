module dev.kiln.quant.floats {
    requires dev.kiln.api;
}
