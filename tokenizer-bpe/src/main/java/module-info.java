module dev.kiln.tokenizer.bpe {
    requires dev.kiln.api;
}
