#!/usr/bin/env python3
"""A small SentencePiece (tokenizer.ggml.model = llama) vocab cut from a large one, for tiny test
models (gguf-py).

The SentencePiece counterpart of make_truncated_bpe_vocab.py: a tiny model with Phi-3's (32064)
or Gemma's (256000, 262144) whole vocabulary would carry an embedding of that many rows. An SPM
vocab is ordered: control and user-defined tokens, the 256 byte-fallback tokens <0x00>..<0xFF>,
then the pieces by descending score. Keeping the first N tokens keeps those specials, every byte
(so every text still tokenizes) and the best pieces with their scores and types; SPECIAL tokens
named after N are appended (renumbered to follow them; BOS/EOS/UNK/padding ids moved with them).
llama.cpp and a faithful SPM implementation tokenize with the cut vocab alike. The tokenizer.ggml.*
keys are copied; other keys are dropped except general.architecture and general.name (the vocab
is only ever copied into a model by `kiln synth`). Like llama.cpp's vocab-only files, no padding
follows the metadata.

Usage: python3 tools/make_truncated_spm_vocab.py SOURCE.gguf OUT.gguf N [SPECIAL ...]
  e.g. fixtures/vocab/ggml-vocab-gemma2.gguf fixtures/vocab/ggml-vocab-gemma2-1k.gguf 1024
       fixtures/vocab/ggml-vocab-phi-3.gguf fixtures/vocab/ggml-vocab-phi-3-1k.gguf 1019 \
       '<|endoftext|>' '<|assistant|>' '<|system|>' '<|end|>' '<|user|>'
"""
import sys

import gguf
import numpy as np


def field(reader, key):
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def main():
    source, out, n, specials = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    r = gguf.GGUFReader(source)
    if field(r, "tokenizer.ggml.model") != "llama":
        sys.exit(f"{source}: not a SentencePiece (llama) vocab")
    tokens = field(r, "tokenizer.ggml.tokens")
    scores = field(r, "tokenizer.ggml.scores")
    types = field(r, "tokenizer.ggml.token_type")
    byte_tokens = [i for i, t in enumerate(tokens) if types[i] == gguf.TokenType.BYTE]
    assert len(byte_tokens) == 256 and byte_tokens[-1] < n, "the 256 byte tokens must be among the first N"

    kept = list(tokens[:n])
    kept_scores = [float(s) for s in scores[:n]]
    kept_types = list(types[:n])
    old_id = {i: i for i in range(n)}
    for s in specials:
        i = tokens.index(s)
        old_id[i] = len(kept)
        kept.append(s)
        kept_scores.append(float(scores[i]))
        kept_types.append(types[i])

    w = gguf.GGUFWriter(out, field(r, "general.architecture"))
    w.add_name(field(r, "general.name") + f" (first {n} tokens)")
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre(field(r, "tokenizer.ggml.pre"))
    w.add_token_list(kept)
    w.add_token_scores(kept_scores)
    w.add_token_types(kept_types)
    for key, add in (("tokenizer.ggml.bos_token_id", w.add_bos_token_id),
                     ("tokenizer.ggml.eos_token_id", w.add_eos_token_id),
                     ("tokenizer.ggml.unknown_token_id", w.add_unk_token_id),
                     ("tokenizer.ggml.padding_token_id", w.add_pad_token_id)):
        v = field(r, key)
        if v is not None:
            if v not in old_id:
                sys.exit(f"{key} = {v} ({tokens[v]!r}) is not among the kept tokens")
            add(old_id[v])
    for key, add in (("tokenizer.ggml.add_bos_token", w.add_add_bos_token),
                     ("tokenizer.ggml.add_eos_token", w.add_add_eos_token),
                     ("tokenizer.ggml.add_sep_token", w.add_add_sep_token),
                     ("tokenizer.ggml.add_space_prefix", w.add_add_space_prefix)):
        v = field(r, key)
        if v is not None:
            add(bool(v))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.close()
    print(f"{out}: {len(kept)} tokens ({n} kept + {len(specials)} special)")


if __name__ == "__main__":
    np.seterr(all="raise")
    main()
