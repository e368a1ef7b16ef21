/** An example third-party Kiln plugin: the Q5_0 quant type. Needs only Kiln's api. */
module dev.kiln.examples.q5_0 {
    requires dev.kiln.api;

    provides dev.kiln.api.quant.QuantType with dev.kiln.examples.q5_0.Q5_0;
}
