#!/usr/bin/env python3
"""A small byte-level BPE vocab cut from a large one, for tiny test models (gguf-py).

A tiny model with the whole Qwen vocabulary (151936 tokens) would carry a 151936-row embedding;
a test model should stay well under 1 MB. This keeps the first N regular tokens of a GPT-2-style
vocab (the 256 byte tokens, then one token per merge, in merge order), the merges whose parts
and result are all kept, and a few special tokens (renumbered to follow them, BOS/EOS/padding
ids moved with them). Every text still tokenizes (every byte has a token); llama.cpp and a
faithful BPE implementation tokenize it alike. Keys other than tokenizer.ggml.* are dropped,
except general.architecture/name (the vocab is only ever copied into a model by `kiln synth`).

Vocabularies whose regular tokens come after a block of special ones (StarCoder's 38, tekken's
1000) take --skip S: the regular tokens kept are then S .. S+N-1. --pre NAME writes another
pre-tokenizer name (StarCoder's vocab as SmolLM's `smollm`, which llama.cpp treats alike).

Usage: python3 tools/make_truncated_bpe_vocab.py [--skip S] [--pre NAME] SOURCE.gguf OUT.gguf N SPECIAL [SPECIAL ...]
  e.g. fixtures/vocab/ggml-vocab-qwen2.gguf fixtures/vocab/ggml-vocab-qwen2-1k.gguf 1021 \
       '<|endoftext|>' '<|im_start|>' '<|im_end|>'
"""
import argparse
import sys

import gguf
import numpy as np


def field(reader, key):
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--skip", type=int, default=0)
    p.add_argument("--pre")
    p.add_argument("source")
    p.add_argument("out")
    p.add_argument("n", type=int)
    p.add_argument("specials", nargs="+")
    a = p.parse_args()
    source, out, n, specials, skip = a.source, a.out, a.n, a.specials, a.skip
    r = gguf.GGUFReader(source)
    tokens = field(r, "tokenizer.ggml.tokens")
    types = field(r, "tokenizer.ggml.token_type")
    merges = field(r, "tokenizer.ggml.merges")

    kept = tokens[skip:skip + n]
    kept_types = list(types[skip:skip + n])
    index = {t: i for i, t in enumerate(kept)}
    kept_merges = []
    for m in merges:
        left, right = m.split(" ", 1)
        if left in index and right in index and (left + right) in index:
            kept_merges.append(m)
    if skip == 0:
        # in a GPT-2-style vocab, merge i makes token 256 + i: the cut keeps a prefix of the merges
        assert len(kept_merges) == n - 256, (len(kept_merges), n - 256)
        assert kept_merges == list(merges[: n - 256])
    # (otherwise the kept merges, in their order, are those whose parts and result are all kept)

    old_id = {i: i - skip for i in range(skip, skip + n)}
    for s in specials:
        i = tokens.index(s)
        old_id[i] = len(kept)
        kept.append(s)
        kept_types.append(types[i])

    w = gguf.GGUFWriter(out, field(r, "general.architecture"))
    w.add_name(field(r, "general.name") + (f" (first {n} tokens)" if skip == 0 else f" ({n} tokens from {skip})"))
    w.add_tokenizer_model(field(r, "tokenizer.ggml.model"))
    w.add_tokenizer_pre(a.pre or field(r, "tokenizer.ggml.pre"))
    w.add_token_list(kept)
    w.add_token_types(kept_types)
    w.add_token_merges(kept_merges)
    for key, add in (("tokenizer.ggml.bos_token_id", w.add_bos_token_id),
                     ("tokenizer.ggml.eos_token_id", w.add_eos_token_id),
                     ("tokenizer.ggml.padding_token_id", w.add_pad_token_id)):
        v = field(r, key)
        if v is not None:
            if v not in old_id:
                sys.exit(f"{key} = {v} ({tokens[v]!r}) is not among the kept tokens")
            add(old_id[v])
    add_bos = field(r, "tokenizer.ggml.add_bos_token")
    if add_bos is not None:
        w.add_add_bos_token(bool(add_bos))
    add_space = field(r, "tokenizer.ggml.add_space_prefix")
    if add_space is not None and skip > 0:
        w.add_add_space_prefix(bool(add_space))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    # no tensors and, like llama.cpp's vocab-only files, no padding after the metadata
    w.close()
    print(f"{out}: {len(kept)} tokens ({n} regular + {len(specials)} special), {len(kept_merges)} merges")


if __name__ == "__main__":
    np.seterr(all="raise")
    main()
