/** The Qwen2 architecture ({@code general.architecture = qwen2}): Qwen2, Qwen2.5, Qwen2.5-Coder GGUFs. */
module dev.kiln.model.qwen2 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.model.ModelArchitecture with dev.kiln.model.qwen2.Qwen2Architecture;
}
