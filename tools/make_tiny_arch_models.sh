#!/usr/bin/env bash
# The tiny random-weight models of fixtures/models/ARCH-tiny and llama.cpp's reference data for
# them (the architecture tests' proof against llama.cpp). Run from the repo root with Kiln built:
#   tools/make_tiny_arch_models.sh [ARCH ...]        (default: qwen2 qwen3 gemma2 gemma3)
# Needs: python3 with gguf-py (pip install gguf numpy), node with node-llama-cpp 3.22.1 in
# NODE_PATH (default ~/llamacpp/node_modules; see tools/llamacpp_model_reference.mjs).
# 1. small vocabs cut from the real ones (a 150k-260k-row embedding would not be tiny):
#    fixtures/vocab/ggml-vocab-qwen2-1k.gguf, the first 1021 tokens of Qwen's vocabulary and its
#    three chat special tokens; ggml-vocab-gemma2-1k.gguf and ggml-vocab-gemma3-1k.gguf, the first
#    1024 tokens of Gemma's (specials, bytes, the best pieces);
# 2. per architecture, `kiln synth --shape tiny` in F32, Q8_0 and Q4_0 (--pure: every matrix in
#    the type, the token embedding included), weights N(0, 0.5) so the logits spread over ~25
#    and greedy choices are rarely near ties. Gemma's blocks have four norms (two per head more
#    in gemma3): their weights become 1 + N(0, 0.2) in the F32 file (synth writes ones, which
#    would not tell one norm from another), the post-norms' times 8 (else the sqrt(n_embd)-scaled
#    tied embedding dominates and greedy decoding repeats the last token; see
#    tools/perturb_norm_weights.py), and Q8_0/Q4_0 are `kiln quantize --pure` of it;
# 3. llama.cpp's greedy ids, first logits and perplexity for each file (expected/); the third
#    prompt is a chat turn in the model family's own template (ChatML for Qwen, Gemma's turns).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-$HOME/llamacpp/node_modules}"
archs=("$@")
[[ ${#archs[@]} -gt 0 ]] || archs=(qwen2 qwen3 gemma2 gemma3)

for arch in "${archs[@]}"; do
  case "$arch" in
    qwen2|qwen3)
      python3 tools/make_truncated_bpe_vocab.py fixtures/vocab/ggml-vocab-qwen2.gguf fixtures/vocab/ggml-vocab-qwen2-1k.gguf \
        1021 '<|endoftext|>' '<|im_start|>' '<|im_end|>'
      chat=chatml ;;
    gemma2|gemma3)
      python3 tools/make_truncated_spm_vocab.py "fixtures/vocab/ggml-vocab-$arch.gguf" "fixtures/vocab/ggml-vocab-$arch-1k.gguf" 1024
      chat=gemma ;;
    *) echo "unknown architecture $arch" >&2; exit 2 ;;
  esac
  dir="fixtures/models/$arch-tiny"
  mkdir -p "$dir"
  files=()
  for type in F32 Q8_0 Q4_0; do
    out="$dir/$arch-tiny-$type.gguf"
    rm -f "$out"
    if [[ "$chat" == gemma && "$type" != F32 ]]; then
      ./kiln quantize --pure "$dir/$arch-tiny-F32.gguf" "$out" "$type"
    else
      ./kiln synth --arch "$arch" --shape tiny --type "$type" --pure --std 0.5 --seed 42 -o "$out"
      [[ "$chat" == gemma ]] && python3 tools/perturb_norm_weights.py "$out" 0.2 42 post_attention_norm=8 post_ffw_norm=8
    fi
    chmod 644 "$out"
    files+=("$out")
  done
  rm -rf "$dir/expected"
  node tools/llamacpp_model_reference.mjs --chat "$chat" "$dir/expected" fixtures/models/stories260K.ppl.txt "${files[@]}"
done
