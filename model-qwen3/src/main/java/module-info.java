/** The Qwen3 architecture ({@code general.architecture = qwen3}): Qwen3 0.6B-32B (dense) GGUFs. */
module dev.kiln.model.qwen3 {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.model.ModelArchitecture with dev.kiln.model.qwen3.Qwen3Architecture;
}
