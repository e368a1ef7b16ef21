/** The Phi-3 architecture ({@code general.architecture = phi3}): Phi-3 and Phi-3.5 mini GGUFs, 4k and 128k (LongRoPE). */
module dev.kiln.model.phi3 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.model.ModelArchitecture with dev.kiln.model.phi3.Phi3Architecture;
}
