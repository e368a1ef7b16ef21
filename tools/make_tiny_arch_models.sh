#!/usr/bin/env bash
# The tiny random-weight models of fixtures/models/ARCH-tiny and llama.cpp's reference data for
# them (the architecture tests' proof against llama.cpp). Run from the repo root with Kiln built:
#   tools/make_tiny_arch_models.sh [ARCH ...]     (default: qwen2 qwen3 phi3 gemma2 gemma3 llama)
# Needs: python3 with gguf-py (pip install gguf numpy), node with node-llama-cpp 3.22.1 in
# NODE_PATH (default ~/llamacpp/node_modules; see tools/llamacpp_model_reference.mjs).
# 1. small vocabs cut from the real ones (a 32k-260k-row embedding would not be tiny):
#    fixtures/vocab/ggml-vocab-qwen2-1k.gguf, the first 1021 tokens of Qwen's vocabulary and its
#    three chat special tokens; ggml-vocab-phi-3-1k.gguf likewise from Phi-3's SentencePiece
#    vocabulary (1019 tokens and five chat tokens); ggml-vocab-gemma2-1k.gguf and
#    ggml-vocab-gemma3-1k.gguf, the first 1024 tokens of Gemma's (specials, bytes, the best
#    pieces); for llama, 1024-token cuts of the StarCoder vocabulary (pre-tokenizer rewritten to
#    smollm) and of Mistral-Nemo's tekken vocabulary;
# 2. per architecture, `kiln synth --shape tiny` in F32, Q8_0 and Q4_0 (--pure: every matrix in
#    the type, the token embedding included), weights N(0, 0.5) so the logits spread over ~25
#    and greedy choices are rarely near ties.
#    phi3 also gets tiny-longrope (F32 and Q8_0): LongRoPE factors from 32 positions, so every
#    session of the tests and of llama.cpp (context 512) rotates with the long factors; and
#    tiny-longrope-512 (F32), from 512 positions, where they all rotate with the short ones.
#    llama gets tiny-smollm and tiny-tekken (F32 and Q8_0) instead of tiny.
#    Gemma's blocks have four norms (two per head more in gemma3): their weights become
#    1 + N(0, 0.2) in the F32 file (synth writes ones, which would not tell one norm from
#    another), the post-norms' times 8 (else the sqrt(n_embd)-scaled tied embedding dominates and
#    greedy decoding repeats the last token; see tools/perturb_norm_weights.py), and Q8_0/Q4_0 are
#    `kiln quantize --pure` of it;
# 3. llama.cpp's greedy ids, first logits and perplexity for each file (expected/); the third
#    prompt is a chat turn (Gemma's turns for Gemma, ChatML for the others).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-$HOME/llamacpp/node_modules}"
archs=("$@")
[[ ${#archs[@]} -gt 0 ]] || archs=(qwen2 qwen3 phi3 gemma2 gemma3 llama)

synth() { # ARCH SHAPE TYPE OUT
  rm -f "$4"
  ./kiln synth --arch "$1" --shape "$2" --type "$3" --pure --std 0.5 --seed 42 -o "$4"
  chmod 644 "$4"
  files+=("$4")
}
for arch in "${archs[@]}"; do
  chat=chatml
  case "$arch" in
    qwen2|qwen3)
      python3 tools/make_truncated_bpe_vocab.py fixtures/vocab/ggml-vocab-qwen2.gguf fixtures/vocab/ggml-vocab-qwen2-1k.gguf \
        1021 '<|endoftext|>' '<|im_start|>' '<|im_end|>' ;;
    phi3)
      python3 tools/make_truncated_spm_vocab.py fixtures/vocab/ggml-vocab-phi-3.gguf fixtures/vocab/ggml-vocab-phi-3-1k.gguf \
        1019 '<|endoftext|>' '<|assistant|>' '<|system|>' '<|end|>' '<|user|>' ;;
    gemma2|gemma3)
      python3 tools/make_truncated_spm_vocab.py "fixtures/vocab/ggml-vocab-$arch.gguf" "fixtures/vocab/ggml-vocab-$arch-1k.gguf" 1024
      chat=gemma ;;
    llama)
      python3 tools/make_truncated_bpe_vocab.py --skip 38 --pre smollm fixtures/vocab/ggml-vocab-starcoder.gguf \
        fixtures/vocab/ggml-vocab-smollm-1k.gguf 1023 '<|endoftext|>'
      python3 tools/make_truncated_bpe_vocab.py --skip 1000 fixtures/vocab/ggml-vocab-mistral-nemo.gguf \
        fixtures/vocab/ggml-vocab-tekken-1k.gguf 1019 '<unk>' '<s>' '</s>' '[INST]' '[/INST]' ;;
    *) echo "unknown architecture $arch" >&2; exit 2 ;;
  esac
  dir="fixtures/models/$arch-tiny"
  mkdir -p "$dir"
  files=()
  case "$arch" in
    llama)
      for shape in tiny-smollm tiny-tekken; do
        for type in F32 Q8_0; do
          synth llama "$shape" "$type" "$dir/llama-$shape-$type.gguf"
        done
      done ;;
    gemma2|gemma3)
      f32="$dir/$arch-tiny-F32.gguf"
      synth "$arch" tiny F32 "$f32"
      python3 tools/perturb_norm_weights.py "$f32" 0.2 42 post_attention_norm=8 post_ffw_norm=8
      for type in Q8_0 Q4_0; do
        out="$dir/$arch-tiny-$type.gguf"
        rm -f "$out"
        ./kiln quantize --pure "$f32" "$out" "$type"
        chmod 644 "$out"
        files+=("$out")
      done ;;
    *)
      for type in F32 Q8_0 Q4_0; do
        synth "$arch" tiny "$type" "$dir/$arch-tiny-$type.gguf"
      done ;;
  esac
  if [[ $arch == phi3 ]]; then
    for type in F32 Q8_0; do
      synth phi3 tiny-longrope "$type" "$dir/phi3-tiny-longrope-$type.gguf"
    done
    synth phi3 tiny-longrope-512 F32 "$dir/phi3-tiny-longrope-512-F32.gguf"
  fi
  rm -rf "$dir/expected"
  node tools/llamacpp_model_reference.mjs --chat "$chat" "$dir/expected" fixtures/models/stories260K.ppl.txt "${files[@]}"
done
