"""Rebuilds a SentencePiece tokenizer.model for a Gemma-style tokenizer.json (Hugging Face BPE
with byte fallback), so llama.cpp's convert_hf_to_gguf.py can take its usual SentencePiece path
(_set_vocab_sentencepiece) for a vocab-only GGUF when only tokenizer.json is at hand.

Pieces and ids are tokenizer.json's. Types: <unk> UNKNOWN, <0xNN> BYTE, added tokens CONTROL
(special) or USER_DEFINED, the rest NORMAL. Scores: tokenizer.json has none, only the merge
order, which Hugging Face derives from the SentencePiece scores (highest first); SentencePiece's
BPE trainer scores the i-th learned piece -i, and tokenizer.json's merges rise with the merged
piece's id for normal pieces, so NORMAL piece number i (in id order) gets score -i. llama.cpp's
SentencePiece tokenizer only compares scores, so this reproduces the real merge priorities as
long as the real scores are distinct. Other pieces score 0 (the converter sets -1000 for added
tokens anyway).

usage: python sentencepiece_model_from_tokenizer_json.py tokenizer.json tokenizer.model [--check SUITE.inp]
--check then encodes llama.cpp's suite texts and 3000 seeded random texts with SentencePiece (the
rebuilt model) and with Hugging Face tokenizers (tokenizer.json) and reports the texts on which
they differ (needs the tokenizers package).
"""
import json
import re
import sys

from sentencepiece import sentencepiece_model_pb2 as spm_pb2


def main(src, dst):
    tj = json.load(open(src, encoding="utf-8"))
    model = tj["model"]
    assert model["type"] == "BPE" and model.get("byte_fallback"), "expects a BPE tokenizer.json with byte fallback"
    vocab = model["vocab"]
    pieces = [None] * len(vocab)
    for piece, i in vocab.items():
        pieces[i] = piece
    added = {a["id"]: a for a in tj["added_tokens"] if a["id"] < len(pieces)}
    # Hugging Face's GemmaConverter renames the byte piece <0x09> to "\t"; put the byte piece back
    ids = {piece: i for i, piece in enumerate(pieces)}
    for b in range(1, 256):
        name, before = f"<0x{b:02X}>", f"<0x{b - 1:02X}>"
        if name not in ids and before in ids and pieces[ids[before] + 1] == chr(b):
            pieces[ids[before] + 1] = name

    proto = spm_pb2.ModelProto()
    normal_rank = 0
    for i, piece in enumerate(pieces):
        p = proto.pieces.add()
        p.piece = piece
        p.score = 0.0
        if piece == model.get("unk_token", "<unk>"):
            p.type = spm_pb2.ModelProto.SentencePiece.UNKNOWN
        elif re.fullmatch(r"<0x[0-9A-F]{2}>", piece):
            p.type = spm_pb2.ModelProto.SentencePiece.BYTE
        elif i in added:
            p.type = spm_pb2.ModelProto.SentencePiece.CONTROL if added[i]["special"] else spm_pb2.ModelProto.SentencePiece.USER_DEFINED
        else:
            p.type = spm_pb2.ModelProto.SentencePiece.NORMAL
            p.score = -float(normal_rank)
            normal_rank += 1

    t = proto.trainer_spec
    t.model_type = spm_pb2.TrainerSpec.BPE
    t.vocab_size = len(pieces)
    t.byte_fallback = True
    ids = {piece: i for i, piece in enumerate(pieces)}
    t.unk_id = ids.get("<unk>", -1)
    t.bos_id = ids.get("<bos>", -1)
    t.eos_id = ids.get("<eos>", -1)
    t.pad_id = ids.get("<pad>", -1)
    t.unk_piece, t.bos_piece, t.eos_piece, t.pad_piece = "<unk>", "<bos>", "<eos>", "<pad>"
    n = proto.normalizer_spec
    n.name = "identity"
    n.add_dummy_prefix = False
    n.remove_extra_whitespaces = False
    n.escape_whitespaces = True
    with open(dst, "wb") as f:
        f.write(proto.SerializeToString())
    print(f"{dst}: {len(pieces)} pieces, {normal_rank} normal", file=sys.stderr)


def check(src, model, suite):
    import random

    import sentencepiece as spm
    from tokenizers import Tokenizer

    sp = spm.SentencePieceProcessor(model_file=model)
    hf = Tokenizer.from_file(src)
    texts = [t for t in open(suite, encoding="utf-8").read().split("\n__ggml_vocab_test__\n") if t]
    words = ("the of and to in is was he for it with as his on be at by I this had not are but from or have an they "
             "which one you were her all she there would their we him been has when who will more no if out so said "
             "don't didn't Mr Mrs American government").split()
    alphabet = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`\n\t"
                "äöüßéèêçñåøæœłśźżčřšžőűğışİ你好世界日本語テキストカタカナひらがな한국어텍스트Привет мир Ελληνικά עברית العربية "
                "हिन्दी ไทย🚀🦙🔥✅❤️👍🏽")
    rng = random.Random(7)
    for i in range(3000):
        n = rng.randint(1, 30)
        texts.append(" ".join(rng.choice(words) for _ in range(n)) if i % 2 else "".join(rng.choice(alphabet) for _ in range(n)))
    diffs = [t for t in texts if sp.encode(t) != hf.encode(t, add_special_tokens=False).ids]
    for t in diffs[:5]:
        print("differs:", repr(t)[:80], file=sys.stderr)
    print(f"{len(texts) - len(diffs)}/{len(texts)} texts tokenize the same", file=sys.stderr)
    return not diffs


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    if len(sys.argv) > 4 and sys.argv[3] == "--check":
        sys.exit(0 if check(sys.argv[1], sys.argv[2], sys.argv[4]) else 1)
