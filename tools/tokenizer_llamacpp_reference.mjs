// Records llama.cpp's tokenization of extra texts for tokenizer-bpe's tests, through
// node-llama-cpp's prebuilt llama.cpp (npm), on the repo's vocab fixtures and on variants
// of them whose tokenizer.ggml.pre is changed (smaug-bpe) or removed (llama.cpp then uses
// its "default" pre-tokenizer). The variants are patched copies in a temp dir, never committed.
//
// Setup once:  mkdir -p /tmp/llamacpp-tok && cd /tmp/llamacpp-tok && npm init -y && npm install node-llama-cpp@3.22.1
// Run (repo root): NODE_PATH=/tmp/llamacpp-tok/node_modules node tools/tokenizer_llamacpp_reference.mjs \
//                    > tokenizer-bpe/src/test/resources/llamacpp-reference.jsonl
// Each output line: {"vocab", "pre" (the override, or null), "parse_special", "text", "ids", "detokenized"}
// with ids = llama_tokenize(text, add_special=false, parse_special) and
// detokenized = llama.cpp's detokenize(ids) as node-llama-cpp calls it.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

const fixtures = path.resolve("fixtures");
const SEPARATOR = "\n__ggml_vocab_test__\n";
const suite = fs.readFileSync(path.join(fixtures, "vocab/ggml-vocab-llama-spm.gguf.inp"), "utf8").split(SEPARATOR);
if (suite.at(-1) === "" || suite.at(-1) === "\n") suite.pop();

const extra = [
  "Hello world", " Hello", " ", "\n", "\t", "",
  "Hello, world! How's it going? (fine) [ok] {x} <tag> a+b=c 100% $5 #1 @me ... \"quoted\" 'single' `tick`",
  "a . b , c ! d ? e ' f 's g 're h 've i 'll j 't k 'd",
  "3 33 333 3333 33333 1234567890 3.14159 1,000,000 007 ١٢٣٤ ⅫⅢ ²³",
  "I'm you're we've they'll she'd it's don't I'M YOU'RE WE'VE 'tis 'S 'LL",
  "你好，世界！这是一个测试。日本語のテキスト、カタカナとひらがな。한국어 텍스트입니다.",
  "🚀 🦙🔥 ✅ ❤️ 🇩🇪 🫠 👍🏽 👋🏻 👩🏿‍🦱 🤝🏼 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 😶‍🌫️ 🧑‍🤝‍🧑",
  "e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0351\u0332a\u0315l\u0327g\u035Co \u0915\u094D\u0937\u093F",
  "สวัสดีครับ नमस्ते दुनिया שלום עולם مرحبا بالعالم \u200Fabc\u200E 123",
  "Ελληνικά Русский Tiếng Việt Cửa Việt ğüşıöç Ñandú Straße",
  "a  b   c    d\t\te\n\nf \n \n g\r\n h   \t\n  ",
  "   start and end   ",
  " \t \n\n   \r\n ",
  "\tfoo\n\tbar\n\n\n\t\t\tbaz",
  "x" + " ".repeat(37) + "y" + " ".repeat(64),
  "\u0001\u0007\u0008\u001B[31mred\u001B[0m\u007F\u0085\u200B\u200D\uFEFF\u00AD",
  "a\u00A0b\u2003c\u3000d\u2028e\u2029f\u202Fg\u1680h \u00A0 x\u3000 y",
  "def f(x):\n    return x ** 2  # square\n\nif __name__ == '__main__':\n\tprint(f(3))\n",
  "∀x∈ℝ: x² ≥ 0 ∑ ∫ √ ≠ ≈ ∞ € £ ¥ © ® ™ § ¶ • … — – ½ ⅓ Ⅻ",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕏 𠜎𠜱𠝹 𓀀 🀄",
  "<s>Hello</s> <unk> <|endoftext|>x<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
  "$$$ +++ <=> ^^^ ~~~ ||| ... !!! ??? ((())) ,,, ;;; ::: --- ___ @@@ ### %%% &&& *** /// \\\\ ''' \"\"\"",
  "word123 123word 12.5% $1,234.56 0x1F 1e-5 v2.0.1",
];
const longText = (() => { let s = ""; for (let i = 0; s.length < 3000; i++) s += extra[i % extra.length] + (i % 5 ? " " : "\n"); return s; })();
extra.push(longText);

const variants = [
  ["vocab/ggml-vocab-llama-spm.gguf", null],
  ["models/stories260K.gguf", null],
  ["vocab/ggml-vocab-llama-bpe.gguf", null],
  ["vocab/ggml-vocab-llama-bpe.gguf", "smaug-bpe"],
  ["vocab/ggml-vocab-llama-bpe.gguf", "(none)"],
  ["vocab/ggml-vocab-gpt-2.gguf", null],
  ["vocab/ggml-vocab-gpt-2.gguf", "(none)"],
];

// Same-length byte patches keep every offset in the GGUF valid.
function patched(file, pre) {
  const buf = fs.readFileSync(path.join(fixtures, file));
  const replace = (from, to) => {
    const a = Buffer.from(from), b = Buffer.from(to);
    if (a.length !== b.length) throw new Error("patch must keep the length");
    const i = buf.indexOf(a);
    if (i < 0 || buf.indexOf(a, i + 1) >= 0) throw new Error(`'${from}' not found exactly once in ${file}`);
    b.copy(buf, i);
  };
  if (pre === "(none)") replace("tokenizer.ggml.pre", "tokenizer.ggml.prx");
  else replace("llama-bpe", pre);
  const out = path.join(os.tmpdir(), `kiln-tok-${pre.replace(/\W/g, "")}-${path.basename(file)}`);
  fs.writeFileSync(out, buf);
  return out;
}

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.disabled });
for (const [file, pre] of variants) {
  const modelPath = pre ? patched(file, pre) : path.join(fixtures, file);
  const model = await llama.loadModel({ modelPath, gpuLayers: 0, vocabOnly: true });
  const texts = pre ? [...suite, ...extra] : extra;
  for (const parseSpecial of [false, true]) {
    for (const text of texts) {
      const ids = Array.from(model.tokenize(text, parseSpecial));
      const detokenized = model.detokenize(ids, false);
      console.log(JSON.stringify({ vocab: file, pre, parse_special: parseSpecial, text, ids, detokenized }));
    }
  }
  await model.dispose();
}
