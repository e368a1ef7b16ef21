// Records llama.cpp's greedy continuation of a prompt on model files Kiln quantized, through
// node-llama-cpp's prebuilt llama.cpp (npm), for library's QuantizedModelsTest.
//
// Setup once:  mkdir -p ~/llamacpp && cd ~/llamacpp && npm init -y && npm install node-llama-cpp@3.22.1
// Run:  NODE_PATH=~/llamacpp/node_modules node tools/quantized_greedy_llamacpp_reference.mjs \
//         N PROMPT_NAME PROMPT_IDS_FILE MODEL.gguf... >> fixtures/models/kiln-quantized/llamacpp_greedy.txt
// Each output line: file name, prompt name, the file's sha256, then N token ids: llama.cpp's
// argmax after the prompt ids (BOS included in the file), one token at a time, not stopping at EOS.
import { createRequire } from "node:module";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

const [n, promptName, idsFile, ...models] = process.argv.slice(2);
if (!models.length) {
  console.error("usage: quantized_greedy_llamacpp_reference.mjs N PROMPT_NAME PROMPT_IDS_FILE MODEL.gguf...");
  process.exit(2);
}
const prompt = fs.readFileSync(idsFile, "utf8").trim().split(/\s+/).map(Number);
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
for (const modelPath of models) {
  const sha = crypto.createHash("sha256").update(fs.readFileSync(modelPath)).digest("hex");
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const ctx = await model.createContext({ contextSize: 512, threads: 1, batchSize: 64 });
  const ids = [];
  for await (const t of ctx.getSequence().evaluate(prompt, { temperature: 0 })) {
    ids.push(t);
    if (ids.length >= Number(n)) break;
  }
  console.log([path.basename(modelPath), promptName, sha, ...ids].join(" "));
  await ctx.dispose();
  await model.dispose();
}
