/**
 * An example third-party Kiln plugin: the Q5_0 quant type, with a portable dot product and its
 * own Vector API one (which Kiln's vector backend uses). Needs only Kiln's api, Kiln's plugin
 * toolkit (argument checks, ggml's activation rounding) and the JDK.
 */
module dev.kiln.examples.q5_0 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;
    requires jdk.incubator.vector;

    provides dev.kiln.api.quant.QuantType with dev.kiln.examples.q5_0.Q5_0;
}
