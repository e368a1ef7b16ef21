// Records llama.cpp's greedy ids and first logits for a GGUF model, through node-llama-cpp's
// prebuilt llama.cpp CPU build (npm), in the format of fixtures/models/tiny-kquant/expected/:
// V.llamacpp_gen_ids.txt (greedy ids, not stopping at BOS/EOS) and V.llamacpp_logits_first2.txt
// (the vocabulary's logits before sampling at the first generated positions).
//
// Setup once:  mkdir -p /tmp/llamacpp && cd /tmp/llamacpp && npm init -y && npm install node-llama-cpp@3.22.1
// Run from the repo root with NODE_PATH=/tmp/llamacpp/node_modules:
//   node tools/llamacpp_logits_reference.mjs MODEL.gguf PROMPT_IDS.txt OUT_PREFIX [STEPS=32] [LOGIT_STEPS=2]
// writes OUT_PREFIX.llamacpp_gen_ids.txt and OUT_PREFIX.llamacpp_logits_first2.txt.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

const [model, promptFile, prefix, stepsArg, logitStepsArg] = process.argv.slice(2);
if (!model || !promptFile || !prefix) {
  console.error("usage: node tools/llamacpp_logits_reference.mjs MODEL.gguf PROMPT_IDS.txt OUT_PREFIX [STEPS] [LOGIT_STEPS]");
  process.exit(2);
}
const steps = Number(stepsArg ?? 32);
const logitSteps = Number(logitStepsArg ?? 2);
const prompt = fs.readFileSync(promptFile, "utf8").trim().split(/\s+/).map(Number);

const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0 });
const context = await m.createContext({ contextSize: 512, threads: 2, batchSize: 512, flashAttention: false });
const sequence = context.getSequence();

const ids = [];
const logitBlocks = [];
let input = prompt;
for (let step = 0; step < steps; step++) {
  const items = input.map((t, i) => i < input.length - 1 ? t
      : [t, { generateNext: { token: true, logits: step < logitSteps, options: { temperature: 0 } } }]);
  const out = await sequence.controlledEvaluate(items);
  const next = out[items.length - 1].next;
  if (step < logitSteps) {
    const n = m.tokens.vocabSize ?? next.logits.size;
    const row = new Array(n);
    for (const [token, logit] of next.logits) row[token] = logit;
    logitBlocks.push(`# pos ${prompt.length + step - 1} logits (vocab ${n}), before sampling\n` + row.map(v => String(v)).join("\n") + "\n");
  }
  ids.push(next.token);
  input = [next.token];
}
fs.writeFileSync(prefix + ".llamacpp_gen_ids.txt", ids.join(" ") + "\n");
fs.writeFileSync(prefix + ".llamacpp_logits_first2.txt", logitBlocks.join(""));
await context.dispose();
await m.dispose();
