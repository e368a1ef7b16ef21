// Records llama.cpp's tokenization for tokenizer-bpe's tests, through node-llama-cpp's prebuilt
// llama.cpp (npm), on the repo's vocab fixtures and on variants of them whose tokenizer.ggml.pre
// or general.name is changed or removed. The variants are rewritten copies in a temp dir, never
// committed.
//
// Setup once:  mkdir -p /tmp/llamacpp-tok && cd /tmp/llamacpp-tok && npm init -y && npm install node-llama-cpp@3.22.1
// Run from the repo root with NODE_PATH=/tmp/llamacpp-tok/node_modules:
//   node tools/tokenizer_llamacpp_reference.mjs reference > tokenizer-bpe/src/test/resources/llamacpp-reference.jsonl
//     one line per case: {"vocab", "pre", "name" (the overrides, or null), "parse_special", "text",
//     "ids", "detokenized"}, ids = llama_tokenize(text, add_special=false, parse_special),
//     detokenized = llama.cpp's detokenize(ids) as node-llama-cpp calls it.
//   node tools/tokenizer_llamacpp_reference.mjs suite vocab/NAME.gguf SUITE.inp > fixtures/vocab/NAME.gguf.out
//     llama.cpp's test-tokenizer-0 format: line i holds the ids of test i of the .inp file
//     (add_special=false, parse_special=false).
//   node tools/tokenizer_llamacpp_reference.mjs corpus > tokenizer-bpe/src/test/resources/llamacpp-corpus.jsonl
//     a generated corpus (seeded, see generatedTexts): first {"text"} lines, then per vocab
//     {"vocab", "pre", "name", "digests"}, digests = for each text the first 12 hex digits of
//     sha256("<ids parse_special=false>|<ids parse_special=true>"), ids joined by ",".
import { createRequire } from "node:module";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

const fixtures = path.resolve("fixtures");
const SEPARATOR = "\n__ggml_vocab_test__\n";

function suiteTexts(file) {
  const texts = fs.readFileSync(file, "utf8").split(SEPARATOR);
  if (texts.at(-1) === "" || texts.at(-1) === "\n") texts.pop();
  return texts;
}
const suite = suiteTexts(path.join(fixtures, "vocab/ggml-vocab-llama-spm.gguf.inp"));

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
  // chat markers of Qwen, Gemma, Phi-3 and Mistral; Phi-3's drop the whitespace after them
  "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi <think>\n</think> there<|im_end|>\n<|im_start|>assistant\n",
  "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n <eos><pad> <unused0> <mask>",
  "<|user|>\n Hi  <|end|>\n<|assistant|> ok</s>  x <s> <unk>\t<|endoftext|> y <|system|>\t\n z",
  "<s>[INST] What? [/INST] Fine.</s>[INST]\tagain[/INST]  [TOOL_CALLS] <SPECIAL_20>",
  "<table><tr><td>x</td></tr></table>  \t\t  <h1>T</h1>\n\n\n\t\t<br>",
  "CamelCaseWords HTTPServer iPhone XMLHttpRequest ÉCOLE École ΑΘΗΝΑ Αθήνα ǅungla ＡＢＣａｂｃ path/to/file.txt\n/usr/bin",
  "Äpfel Führer naïve café résumé Łódź Øresund Ærø Þór",
];
const longText = (() => { let s = ""; for (let i = 0; s.length < 3000; i++) s += extra[i % extra.length] + (i % 5 ? " " : "\n"); return s; })();
extra.push(longText);

// [fixture, overrides]; overrides.pre: a new tokenizer.ggml.pre ("(none)": key removed); overrides.name: a new general.name
const variants = [
  ["vocab/ggml-vocab-llama-spm.gguf", {}],
  ["models/stories260K.gguf", {}],
  ["vocab/ggml-vocab-llama-bpe.gguf", {}],
  ["vocab/ggml-vocab-llama-bpe.gguf", { pre: "smaug-bpe" }],
  ["vocab/ggml-vocab-llama-bpe.gguf", { pre: "(none)" }],
  ["vocab/ggml-vocab-gpt-2.gguf", {}],
  ["vocab/ggml-vocab-gpt-2.gguf", { pre: "(none)" }],
  ["vocab/ggml-vocab-qwen2.gguf", {}],
  ["vocab/ggml-vocab-starcoder.gguf", {}],
  ["vocab/ggml-vocab-starcoder.gguf", { pre: "smollm" }],
  ["vocab/ggml-vocab-mistral-nemo.gguf", {}],
  ["vocab/ggml-vocab-phi-3.gguf", {}],
  ["vocab/ggml-vocab-phi-3.gguf", { name: "Phi 4 mini" }],
  ["vocab/ggml-vocab-gemma2.gguf", {}],
  ["vocab/ggml-vocab-gemma3.gguf", {}],
];

// GGUF metadata edits. A vocab-only file has no tensors, so shifting everything after the edited
// string is harmless; the file is padded back to its old length so the data section stays aligned.
function u64(buf, at) { return Number(buf.readBigUInt64LE(at)); }
function findStringKey(buf, key) {
  const k = Buffer.from(key);
  const head = Buffer.alloc(8); head.writeBigUInt64LE(BigInt(k.length));
  const needle = Buffer.concat([head, k]);
  const i = buf.indexOf(needle);
  if (i < 0 || buf.indexOf(needle, i + 1) >= 0) throw new Error(`key ${key} not found exactly once`);
  const typeAt = i + needle.length;
  if (buf.readUInt32LE(typeAt) !== 8) throw new Error(`key ${key} is not a string`);
  return { keyAt: i, valueAt: typeAt + 4, end: typeAt + 12 + u64(buf, typeAt + 4) };
}
function withString(buf, key, value) {
  const { valueAt, end } = findStringKey(buf, key);
  const v = Buffer.from(value);
  const head = Buffer.alloc(8); head.writeBigUInt64LE(BigInt(v.length));
  const out = Buffer.concat([buf.subarray(0, valueAt), head, v, buf.subarray(end)]);
  return out.length < buf.length ? Buffer.concat([out, Buffer.alloc(buf.length - out.length)]) : out;
}
function withoutKey(buf, key) {
  // renaming the key (same length) hides it from readers
  const { keyAt } = findStringKey(buf, key);
  const out = Buffer.from(buf);
  out[keyAt + 8 + key.length - 1] ^= 0x20;
  return out;
}
function variantPath(file, overrides) {
  if (!overrides.pre && !overrides.name) return path.join(fixtures, file);
  let buf = fs.readFileSync(path.join(fixtures, file));
  if (overrides.pre === "(none)") buf = withoutKey(buf, "tokenizer.ggml.pre");
  else if (overrides.pre) buf = withString(buf, "tokenizer.ggml.pre", overrides.pre);
  if (overrides.name) buf = withString(buf, "general.name", overrides.name);
  const tag = `${overrides.pre ?? ""}-${overrides.name ?? ""}`.replace(/\W/g, "");
  const out = path.join(os.tmpdir(), `kiln-tok-${tag}-${path.basename(file)}`);
  fs.writeFileSync(out, buf);
  return out;
}

// The generated corpus: seeded, so a rerun gives the same texts.
function generatedTexts(count) {
  let seed = 0x4b696c6e;
  const rand = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const words = ("the of and to in is was he for it with as his on be at by I this had not are but from or have an they "
    + "Hello World HTTP JSON iPhone McDonald's O'Neil naïve café Straße Ärger ÉCOLE Việt Tiếng Łódź ǅ ß ﬁ "
    + "привет Москва Ελλάδα שלום مرحبا नमस्ते สวัสดี 你好 世界 日本語 カタカナ ひらがな 한국어 ＡＢＣ ａｂｃ").split(" ");
  const specials = ["<s>", "</s>", "<unk>", "<pad>", "<bos>", "<eos>", "<|endoftext|>", "<|im_start|>", "<|im_end|>",
    "<think>", "</think>", "<start_of_turn>", "<end_of_turn>", "<|user|>", "<|assistant|>", "<|end|>", "<|system|>",
    "[INST]", "[/INST]", "<|begin_of_text|>", "<|eot_id|>", "<|fim_prefix|>", "<mask>", "<unused3>", "<table>", "<h1>"];
  const spaces = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\t\t", "\u00A0", "\u3000", "\u2003", "\u0085", "\u202F"];
  const punct = [".", ",", "!", "?", "...", "'", "\"", "'s", "'RE", "'ll", "'D", "-", "--", "(", ")", "[", "]", "{", "}",
    "<", ">", "/", "\\", "|", "_", "*", "#", "@", "$", "%", "^", "&", "+", "=", "~", "`", ":", ";", "。", "，", "、", "¿", "¡", "«»", "…"];
  const emoji = ["🚀", "🦙", "👍🏽", "👩‍💻", "🏳️‍🌈", "🇩🇪", "1️⃣", "❤️", "😶‍🌫️", "🫠", "🧑‍🤝‍🧑"];
  // code point ranges: Latin-1 and Latin Extended, combining marks, Greek/Cyrillic, Hebrew/Arabic,
  // Devanagari/Thai, general punctuation (ZWSP, ZWJ, LRM...), letterlike and number forms, CJK,
  // Hangul, fullwidth forms, math alphanumerics, emoji, private use
  const ranges = [[0xA1, 0x24F], [0x300, 0x36F], [0x370, 0x4FF], [0x5D0, 0x6FF], [0x900, 0x97F], [0xE00, 0xE7F],
    [0x2000, 0x206F], [0x2100, 0x218F], [0x3040, 0x30FF], [0x4E00, 0x4FFF], [0xAC00, 0xAD00], [0xFF01, 0xFF5E],
    [0x1D400, 0x1D7FF], [0x1F300, 0x1FAFF], [0xE000, 0xE0FF]];
  const atom = () => {
    switch (int(0, 9)) {
      case 0: case 1: case 2: return pick(words);
      case 3: return String(int(0, 10 ** int(1, 9))) + (rand() < 0.3 ? pick([".", ",", "", "٫"]) + int(0, 999) : "");
      case 4: return pick(spaces).repeat(int(1, 3));
      case 5: return pick(punct).repeat(int(1, 3));
      case 6: return pick(emoji);
      case 7: return rand() < 0.5 ? pick(specials) : pick(words).toUpperCase();
      default: {
        const [lo, hi] = pick(ranges);
        let s = "";
        for (let n = int(1, 4); n > 0; n--) s += String.fromCodePoint(int(lo, hi));
        return s;
      }
    }
  };
  const texts = [];
  while (texts.length < count) {
    let s = "";
    for (let n = int(1, 14); n > 0; n--) s += atom() + (rand() < 0.5 ? " " : "");
    texts.push(s);
  }
  return texts;
}

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.disabled });
const loadVocab = (modelPath) => llama.loadModel({ modelPath, gpuLayers: 0, vocabOnly: true });
const [mode, ...args] = process.argv.slice(2);

if (mode === "reference") {
  for (const [file, overrides] of variants) {
    const model = await loadVocab(variantPath(file, overrides));
    const texts = overrides.pre || overrides.name ? [...suite, ...extra] : extra;
    for (const parseSpecial of [false, true]) {
      for (const text of texts) {
        const ids = Array.from(model.tokenize(text, parseSpecial));
        const detokenized = model.detokenize(ids, false);
        console.log(JSON.stringify({ vocab: file, pre: overrides.pre ?? null, name: overrides.name ?? null,
          parse_special: parseSpecial, text, ids, detokenized }));
      }
    }
    await model.dispose();
  }
} else if (mode === "suite") {
  const [file, inp] = args;
  const model = await loadVocab(path.join(fixtures, file));
  // llama.cpp's .out format: a space before every id
  for (const text of suiteTexts(inp)) console.log(Array.from(model.tokenize(text, false)).map((id) => " " + id).join(""));
  await model.dispose();
} else if (mode === "corpus") {
  const texts = generatedTexts(1200);
  for (const text of texts) console.log(JSON.stringify({ text }));
  for (const [file, overrides] of variants) {
    const model = await loadVocab(variantPath(file, overrides));
    let digests = "";
    for (const text of texts) {
      const both = [false, true].map((p) => Array.from(model.tokenize(text, p)).join(",")).join("|");
      digests += crypto.createHash("sha256").update(both).digest("hex").slice(0, 12);
    }
    console.log(JSON.stringify({ vocab: file, pre: overrides.pre ?? null, name: overrides.name ?? null, digests }));
    await model.dispose();
  }
} else {
  console.error("usage: tokenizer_llamacpp_reference.mjs reference | suite VOCAB.gguf SUITE.inp | corpus");
  process.exit(2);
}
