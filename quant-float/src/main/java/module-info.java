/** The plain float element types F32, F16 and BF16 as quant-type plugins. Exports nothing. */
module dev.kiln.quant.floats {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    provides dev.kiln.api.quant.QuantType with dev.kiln.quant.floats.F32, dev.kiln.quant.floats.F16,
            dev.kiln.quant.floats.BF16;
}
