#!/usr/bin/env bash
# The tiny random-weight models of fixtures/models/ARCH-tiny and llama.cpp's reference data for
# them (the architecture tests' proof against llama.cpp). Run from the repo root with Kiln built:
#   tools/make_tiny_arch_models.sh [ARCH ...]        (default: qwen2 qwen3 phi3 llama)
# Needs: python3 with gguf-py (pip install gguf numpy), node with node-llama-cpp 3.22.1 in
# NODE_PATH (default ~/llamacpp/node_modules; see tools/llamacpp_model_reference.mjs).
# 1. fixtures/vocab/ggml-vocab-qwen2-1k.gguf: the first 1021 tokens of Qwen's vocabulary and its
#    three chat special tokens (a 151936-row embedding would not be tiny); ggml-vocab-phi-3-1k.gguf
#    likewise from Phi-3's SentencePiece vocabulary (1019 tokens and five chat tokens);
# 2. per architecture, `kiln synth --shape tiny` in F32, Q8_0 and Q4_0 (--pure: every matrix in
#    the type, the token embedding included), weights N(0, 0.5) so the logits spread over ~25
#    and greedy choices are rarely near ties;
#    phi3 also gets tiny-longrope (F32 and Q8_0): LongRoPE factors from 32 positions, so every
#    session of the tests and of llama.cpp (context 512) rotates with the long factors; and
#    tiny-longrope-512 (F32), from 512 positions, where they all rotate with the short ones;
#    llama gets tiny-smollm and tiny-tekken (F32 and Q8_0) on 1024-token cuts of the StarCoder
#    vocabulary (pre-tokenizer rewritten to smollm) and of Mistral-Nemo's tekken vocabulary;
# 3. llama.cpp's greedy ids, first logits and perplexity for each file (expected/).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-$HOME/llamacpp/node_modules}"
archs=("$@")
[[ ${#archs[@]} -gt 0 ]] || archs=(qwen2 qwen3 phi3 llama)

python3 tools/make_truncated_bpe_vocab.py fixtures/vocab/ggml-vocab-qwen2.gguf fixtures/vocab/ggml-vocab-qwen2-1k.gguf \
  1021 '<|endoftext|>' '<|im_start|>' '<|im_end|>'
python3 tools/make_truncated_spm_vocab.py fixtures/vocab/ggml-vocab-phi-3.gguf fixtures/vocab/ggml-vocab-phi-3-1k.gguf \
  1019 '<|endoftext|>' '<|assistant|>' '<|system|>' '<|end|>' '<|user|>'
python3 tools/make_truncated_bpe_vocab.py --skip 38 --pre smollm fixtures/vocab/ggml-vocab-starcoder.gguf \
  fixtures/vocab/ggml-vocab-smollm-1k.gguf 1023 '<|endoftext|>'
python3 tools/make_truncated_bpe_vocab.py --skip 1000 fixtures/vocab/ggml-vocab-mistral-nemo.gguf \
  fixtures/vocab/ggml-vocab-tekken-1k.gguf 1019 '<unk>' '<s>' '</s>' '[INST]' '[/INST]'
synth() { # ARCH SHAPE TYPE OUT
  rm -f "$4"
  ./kiln synth --arch "$1" --shape "$2" --type "$3" --pure --std 0.5 --seed 42 -o "$4"
  chmod 644 "$4"
  files+=("$4")
}
for arch in "${archs[@]}"; do
  dir="fixtures/models/$arch-tiny"
  mkdir -p "$dir"
  files=()
  if [[ $arch == llama ]]; then
    for shape in tiny-smollm tiny-tekken; do
      for type in F32 Q8_0; do
        synth llama "$shape" "$type" "$dir/llama-$shape-$type.gguf"
      done
    done
  else
    for type in F32 Q8_0 Q4_0; do
      synth "$arch" tiny "$type" "$dir/$arch-tiny-$type.gguf"
    done
  fi
  if [[ $arch == phi3 ]]; then
    for type in F32 Q8_0; do
      synth phi3 tiny-longrope "$type" "$dir/phi3-tiny-longrope-$type.gguf"
    done
    synth phi3 tiny-longrope-512 F32 "$dir/phi3-tiny-longrope-512-F32.gguf"
  fi
  rm -rf "$dir/expected"
  node tools/llamacpp_model_reference.mjs "$dir/expected" fixtures/models/stories260K.ppl.txt "${files[@]}"
done
