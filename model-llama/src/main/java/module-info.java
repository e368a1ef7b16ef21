/** The Llama family architecture ({@code general.architecture = llama}): TinyLlama, Llama 2/3, Mistral-style GGUFs. */
module dev.kiln.model.llama {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.model.ModelArchitecture with dev.kiln.model.llama.LlamaArchitecture;
}
