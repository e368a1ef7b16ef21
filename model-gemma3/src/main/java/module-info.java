/** The Gemma 3 architecture ({@code general.architecture = gemma3}): Gemma 3 text GGUFs (270M-27B). */
module dev.kiln.model.gemma3 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.model.ModelArchitecture with dev.kiln.model.gemma3.Gemma3Architecture;
}
