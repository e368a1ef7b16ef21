// Greedy decoding with llama.cpp (libllama), printing the logits before each of the first STEPS
// tokens (the fixtures' "# pos P logits" format) and, with DUMP=DIR, every F32/F16 tensor the graph
// computes, one file per tensor and step: "DIR/s<step>-<name>.bin", a text line
// "<ggml type> ne0 ne1 ne2 ne3", then the raw data. Step 0 is the prompt (one batch), step k the
// k-th single-token decode. Used to find where Kiln's F32 arithmetic leaves llama.cpp's
// (backend-vector/KERNELS.md, "The F32 logit gap"). Flash attention off, as the fixtures' build.
//
// Build against a llama.cpp source tree built with cmake (LLAMA = its root):
//   g++ -O2 -std=c++17 -I$LLAMA/include -I$LLAMA/ggml/include tools/llamacpp_dump_tensors.cpp \
//     -L$LLAMA/build/bin -lllama -lggml -lggml-base -Wl,-rpath,$LLAMA/build/bin -o llamacpp_dump_tensors
// Run: [DUMP=DIR] ./llamacpp_dump_tensors MODEL.gguf THREADS STEPS ID... > logits.txt
#include "llama.h"
#include "ggml.h"
#include "ggml-backend.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <string>
static const char * dumpdir = nullptr;
static int stepno = 0;
static bool cb(struct ggml_tensor * t, bool ask, void *) {
    if (!dumpdir) return false;
    if (ask) return true;
    if (t->type != GGML_TYPE_F32 && t->type != GGML_TYPE_F16) return true;
    if (!ggml_is_contiguous(t)) return true;
    char path[512];
    snprintf(path, sizeof path, "%s/s%d-%s.bin", dumpdir, stepno, t->name);
    FILE * f = fopen(path, "wb");
    if (!f) return true;
    std::vector<uint8_t> buf(ggml_nbytes(t));
    ggml_backend_tensor_get(t, buf.data(), 0, buf.size());
    fprintf(f, "%d %lld %lld %lld %lld\n", (int) t->type, (long long) t->ne[0], (long long) t->ne[1], (long long) t->ne[2], (long long) t->ne[3]);
    fwrite(buf.data(), 1, buf.size(), f);
    fclose(f);
    return true;
}
int main(int argc, char ** argv) {
    // model threads steps ids...
    const char * model = argv[1]; int threads = atoi(argv[2]); int steps = atoi(argv[3]);
    dumpdir = getenv("DUMP");
    std::vector<llama_token> ids;
    for (int i = 4; i < argc; i++) ids.push_back(atoi(argv[i]));
    llama_backend_init();
    auto mp = llama_model_default_params();
    llama_model * m = llama_model_load_from_file(model, mp);
    auto cp = llama_context_default_params();
    cp.n_ctx = 256; cp.n_batch = 256; cp.n_ubatch = 256; cp.n_threads = threads; cp.n_threads_batch = threads;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.cb_eval = cb; cp.cb_eval_user_data = nullptr;
    llama_context * c = llama_init_from_model(m, cp);
    int nv = llama_vocab_n_tokens(llama_model_get_vocab(m));
    llama_batch b = llama_batch_get_one(ids.data(), ids.size());
    if (llama_decode(c, b)) { fprintf(stderr, "decode failed\n"); return 1; }
    int pos = ids.size();
    for (int s = 0; s < steps; s++) {
        float * lg = llama_get_logits_ith(c, -1);
        printf("# pos %d logits (vocab %d), before sampling\n", pos - 1, nv);
        int best = 0;
        for (int i = 0; i < nv; i++) { printf("%.9g\n", lg[i]); if (lg[i] > lg[best]) best = i; }
        fprintf(stderr, "tok %d\n", best);
        stepno++;
        llama_token t = best;
        llama_batch b1 = llama_batch_get_one(&t, 1);
        if (llama_decode(c, b1)) return 1;
        pos++;
    }
    return 0;
}
