// Provenance: copied unchanged from Kiln's shared reference tools (shared/tools/llamacpp-bench.mjs, 2026-11-26)
// for bench/compare.sh; in this repo run it as bench/llamacpp-bench.mjs.
// Same-run llama.cpp baseline: prompt-processing (pp) and token-generation (tg) tokens/s
// for a GGUF model, through node-llama-cpp's prebuilt CPU build of llama.cpp (npm).
//
// Setup once (offline-safe, the binary comes inside the npm package):
//   mkdir -p ~/llamacpp && cd ~/llamacpp && npm init -y >/dev/null \
//     && npm install node-llama-cpp@3.22.1
// Run (from anywhere):
//   NODE_PATH=~/llamacpp/node_modules node ../shared/tools/llamacpp-bench.mjs MODEL.gguf [-p 128] [-n 64] [-t 2] [-r 3]
// Caveat: on a 2-core machine the node process competes with llama.cpp's own threads, so
// tg at -t 2 reads well below llama-bench's; tg at -t 1 and pp at either count agree with
// llama-bench to within a few percent. Compare tg at -t 1; see ../perf/REFERENCE.md for
// llama-bench's own 2-thread figures on this machine type.
// Prints one JSON line: {"model":..., "pp":{"tokens":P,"tps":[...],"mean":..}, "tg":{...}}
// pp: P prompt tokens evaluated in one batch, fresh context each repetition.
// tg: N single-token decode steps after a 1-token prompt (like llama-bench tg; no sampling).
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

const args = process.argv.slice(2);
const opt = (flag, dflt) => { const i = args.indexOf(flag); return i >= 0 ? Number(args[i + 1]) : dflt; };
const modelPath = args.find((a, i) => !a.startsWith("-") && (i === 0 || !args[i - 1].startsWith("-")));
if (!modelPath) { console.error("usage: llamacpp-bench.mjs MODEL.gguf [-p 128] [-n 64] [-t 2] [-r 3]"); process.exit(2); }
const P = opt("-p", 128), N = opt("-n", 64), T = opt("-t", 2), R = opt("-r", 3);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const vocab = model.tokenizer("The quick brown fox jumps over the lazy dog. ".repeat(64));
const prompt = Array.from({ length: P }, (_, i) => vocab[i % vocab.length]);

const stats = (xs) => { const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return { tps: xs.map((x) => +x.toFixed(2)), mean: +m.toFixed(2), sd: +sd.toFixed(2) }; };

async function once() {
  const ctx = await model.createContext({ contextSize: Math.max(512, P + N + 16), threads: T, batchSize: Math.max(P, 1) });
  try {
    const seq = ctx.getSequence();
    let t0 = process.hrtime.bigint();
    await seq.evaluateWithoutGeneratingNewTokens(prompt);
    const pp = P / (Number(process.hrtime.bigint() - t0) / 1e9);
    await seq.clearHistory();
    // token generation: one token per decode call, as llama-bench's tg does (no sampling cost)
    await seq.evaluateWithoutGeneratingNewTokens([prompt[0]]);
    t0 = process.hrtime.bigint();
    for (let i = 1; i <= N; i++) await seq.evaluateWithoutGeneratingNewTokens([prompt[i % P]]);
    const tg = N / (Number(process.hrtime.bigint() - t0) / 1e9);
    return { pp, tg };
  } finally { await ctx.dispose(); }
}

await once(); // warm-up
const runs = [];
for (let r = 0; r < R; r++) runs.push(await once());
console.log(JSON.stringify({ model: path.basename(modelPath), threads: T,
  pp: { tokens: P, ...stats(runs.map((x) => x.pp)) }, tg: { tokens: N, ...stats(runs.map((x) => x.tg)) } }));
await model.dispose();
