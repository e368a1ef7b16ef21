module dev.kiln.model.llama {
    requires dev.kiln.api;
}
