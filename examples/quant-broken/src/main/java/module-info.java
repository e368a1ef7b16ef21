/** A deliberately broken example plugin (Q4_1 with scale and minimum swapped): fails kiln check-plugin. */
module dev.kiln.examples.broken {
    requires dev.kiln.api;

    provides dev.kiln.api.quant.QuantType with dev.kiln.examples.broken.BrokenQ4_1;
}
