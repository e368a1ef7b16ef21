// Reference data for the architecture tests: llama.cpp's greedy ids, logits and perplexity on
// model files, through node-llama-cpp's prebuilt CPU build of llama.cpp (npm).
//
// Setup once:  mkdir -p ~/llamacpp && cd ~/llamacpp && npm init -y && npm install node-llama-cpp@3.22.1
// Run (repo root):
//   NODE_PATH=~/llamacpp/node_modules node tools/llamacpp_model_reference.mjs [--chat chatml|gemma] OUT_DIR PPL_TEXT MODEL.gguf...
// Writes into OUT_DIR, for every model M (its file name without .gguf) and prompt pN:
//   pN.prompt.txt              the prompt text (once; special-token text such as <|im_start|> is parsed)
//   M.pN.prompt_ids.txt        llama.cpp's tokenization of it (BOS first when the vocab adds one)
//   M.pN.gen_ids.txt           STEPS greedy ids after the prompt (not stopping at end-of-generation tokens)
//   M.pN.logits.txt            the logits before each of the first LOGIT_STEPS of them: a "# step S" line,
//                              then the vocabulary's logits on one line, space-separated (%.7g)
//   M.pN.gaps.txt              llama.cpp's own top-2 logit gap before each of the STEPS ids (how near a tie
//                              its choice was: where the gap is tiny, any other float rounding may choose the other)
//   M.ppl.tokens.txt           llama.cpp's tokenization of PPL_TEXT (BOS first when the vocab adds one)
//   ppl.expected.txt           one line per model: "M | PPL | scored" by llama-perplexity's method
//                              (chunks of CTX tokens, the first replaced by BOS when the vocab adds one,
//                              positions CTX/2 .. CTX-2 scored against the next token)
// Flash attention is off: with it (node-llama-cpp's default "auto" turns it on for CPU) llama.cpp's
// logits differ from its own non-flash path by ~1e-3; Kiln's attention follows the non-flash path.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

const STEPS = 32;
const LOGIT_STEPS = 2;
const CTX = 128;
const PROMPTS = [
  "Once upon a time",
  "The quick brown fox jumps over the lazy dog. 1234567890",
  "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
];

// --chat gemma: the third prompt is a Gemma turn instead of a ChatML one
const args = process.argv.slice(2);
const chat = args[0] === "--chat" ? args.splice(0, 2)[1] : "chatml";
if (chat === "gemma") {
  PROMPTS[2] = "<start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n<start_of_turn>model\n";
} else if (chat !== "chatml") {
  console.error(`unknown --chat ${chat} (chatml or gemma)`);
  process.exit(2);
}
const [outDir, pplText, ...models] = args;
if (!outDir || !pplText || models.length === 0) {
  console.error("usage: llamacpp_model_reference.mjs [--chat chatml|gemma] OUT_DIR PPL_TEXT MODEL.gguf...");
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const write = (name, text) => fs.writeFileSync(path.join(outDir, name), text);
PROMPTS.forEach((p, i) => write(`p${i + 1}.prompt.txt`, p));

const pplLines = [];
for (const modelPath of models) {
  const m = path.basename(modelPath, ".gguf");
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const withBos = (ids) => (model.tokens.bos != null && model.tokens.shouldPrependBosToken ? [model.tokens.bos, ...ids] : ids);
  const ctx = await model.createContext({ contextSize: 512, batchSize: 512, threads: 2, flashAttention: false });
  const seq = ctx.getSequence();
  const next = (logits) => ({ generateNext: { token: true, logits, options: { temperature: 0 } } });
  const row = (map) => Array.from({ length: map.size }, (_, t) => map.get(t).toPrecision(7)).join(" ");

  for (let i = 0; i < PROMPTS.length; i++) {
    const prompt = withBos(model.tokenize(PROMPTS[i], true));
    await seq.clearHistory();
    const ids = [];
    const logits = [];
    const gaps = [];
    let input = prompt.map((t, j) => (j === prompt.length - 1 ? [t, next(true)] : t));
    for (let step = 0; step < STEPS; step++) {
      const out = await seq.controlledEvaluate(input);
      const result = out[input.length - 1].next;
      ids.push(result.token);
      if (step < LOGIT_STEPS) logits.push(`# step ${step}\n${row(result.logits)}\n`);
      const top = [...result.logits.values()].sort((a, b) => b - a);
      gaps.push((top[0] - top[1]).toPrecision(4));
      input = [[result.token, next(true)]];
    }
    write(`${m}.p${i + 1}.prompt_ids.txt`, prompt.join(" ") + "\n");
    write(`${m}.p${i + 1}.gen_ids.txt`, ids.join(" ") + "\n");
    write(`${m}.p${i + 1}.logits.txt`, logits.join(""));
    write(`${m}.p${i + 1}.gaps.txt`, gaps.join(" ") + "\n");
  }

  const tokens = withBos(model.tokenize(fs.readFileSync(pplText, "utf8"), false));
  write(`${m}.ppl.tokens.txt`, tokens.join(" ") + "\n");
  const chunks = Math.floor(tokens.length / CTX);
  let nll = 0;
  let scored = 0;
  for (let c = 0; c < chunks; c++) {
    const chunk = tokens.slice(c * CTX, (c + 1) * CTX);
    if (model.tokens.bos != null && model.tokens.shouldPrependBosToken) chunk[0] = model.tokens.bos;
    await seq.clearHistory();
    const out = await seq.controlledEvaluate(chunk.map((t, j) => (j >= CTX / 2 && j < CTX - 1 ? [t, next(true)] : t)));
    for (let j = CTX / 2; j < CTX - 1; j++) {
      const map = out[j].next.logits;
      let max = -Infinity;
      for (const v of map.values()) max = Math.max(max, v);
      let sum = 0;
      for (const v of map.values()) sum += Math.exp(v - max);
      nll -= map.get(chunk[j + 1]) - max - Math.log(sum);
      scored++;
    }
  }
  pplLines.push(`${m} | ${Math.exp(nll / scored).toFixed(6)} | ${scored}`);
  await ctx.dispose();
  await model.dispose();
}
write("ppl.expected.txt", `# llama.cpp (node-llama-cpp ${JSON.parse(fs.readFileSync(path.join(process.env.NODE_PATH, "node-llama-cpp/package.json"), "utf8")).version}), `
  + `ctx ${CTX}, text ${path.basename(pplText)}\n# model | PPL | scored tokens\n` + pplLines.join("\n") + "\n");
