/** The Gemma 2 architecture ({@code general.architecture = gemma2}): Gemma 2 2B/9B/27B GGUFs. */
module dev.kiln.model.gemma2 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.model.ModelArchitecture with dev.kiln.model.gemma2.Gemma2Architecture;
}
