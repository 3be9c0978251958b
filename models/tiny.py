"""Tiny random-weight models with real tokenizers, for tests and offline smoke runs.

The model hub can't be reached in CI, so precis builds its own test models: the real
Marian and BART architectures (transformers' MarianMTModel and
BartForConditionalGeneration) at toy sizes, with random weights from a fixed seed, and
real tokenizers trained on the text in ``models/corpus`` (SentencePiece for Marian, as
OPUS-MT uses; byte-level BPE for BART). They are saved in Hugging Face format, so they
load through exactly the same code as ``Helsinki-NLP/opus-mt-fr-en``.

Their outputs are gibberish (the weights are random) but have the shapes and costs of
real ones, which is what the pipeline's tests need. Weights are built on demand and
cached on disk, never committed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
# Bump when the recipe changes, so cached builds are rebuilt.
RECIPE_VERSION = 4
KINDS = ("marian", "bart")
# Wider than the usual 0.02 so that random outputs depend on the input rather than
# collapsing to one token whatever the source.
INIT_STD = 0.5


@dataclass(frozen=True)
class Size:
    """Architecture size. The defaults are toy-sized; the bench builds real-size ones."""

    d_model: int = 64
    encoder_layers: int = 2
    decoder_layers: int = 2
    heads: int = 4
    ffn_dim: int = 128
    max_positions: int = 128
    vocab_size: int = 1000  # tokenizer training target; the real vocab may be smaller
    # Embedding rows: the tokenizer's vocabulary padded with unused tokens up to this
    # size (the published models' vocabularies), so the output layer costs what theirs
    # does. 0: the tokenizer's own size.
    model_vocab: int = 0
    corpus: str = ""  # folder with fr.txt and en.txt for the tokenizers; "": models/corpus

    @property
    def corpus_dir(self) -> Path:
        return Path(self.corpus) if self.corpus else CORPUS


def cache_root() -> Path:
    """Where built and converted models live: $PRECIS_CACHE, else ~/.cache/precis, made if missing.

    The default is a private folder (0700, made without following a symlink, refused if
    another user owns it or can write to it): another local user must not be able to
    plant a model there. A folder given by PRECIS_CACHE is made 0700 when missing and
    used as it is otherwise (a shared, group-managed cache is the operator's choice).

    Raises:
        ModelUnavailable: the folder can't be made or used (unwritable, HOME not set...).
    """
    given = os.environ.get("PRECIS_CACHE")
    return _checked_root(given or str(Path("~/.cache/precis").expanduser()), private=not given)


@functools.cache
def _checked_root(path: str, *, private: bool) -> Path:
    from pipeline.errors import ModelUnavailable, PrecisError
    from pipeline.files import describe, private_folder

    root = Path(path)
    where = f"the model cache {root}" + ("" if private else " (PRECIS_CACHE)")
    try:
        if private:
            return private_folder(root)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(root, os.W_OK | os.X_OK):
            raise ModelUnavailable(f"{where} is not writable; set PRECIS_CACHE to a folder you can write to")
    except OSError as exc:
        raise ModelUnavailable(
            f"can't use {where}: {describe(exc)}; set PRECIS_CACHE to a folder you can write to"
        ) from None
    except PrecisError as exc:
        if isinstance(exc, ModelUnavailable):
            raise
        raise ModelUnavailable(f"can't use {where}: {exc.message}; set PRECIS_CACHE to a folder you own") from None
    return root


def _digest(kind: str, size: Size, seed: int) -> str:
    h = hashlib.sha256(f"{RECIPE_VERSION}|{kind}|{asdict(size)}|{seed}".encode())
    for name in ("fr.txt", "en.txt"):
        h.update((size.corpus_dir / name).read_bytes())
    return h.hexdigest()[:12]


def ensure(kind: str, size: Size = Size(), seed: int = 0) -> Path:
    """Return the folder of a built tiny model, building it first if needed.

    The build goes to a temporary folder renamed into place (``build_once``).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown tiny model {kind!r}; valid: {', '.join(KINDS)}")
    target = cache_root() / "tiny" / f"{kind}-{_digest(kind, size, seed)}"
    return build_once(target, lambda tmp: build(kind, tmp, size=size, seed=seed))


def build_once(target: Path, make: Callable[[Path], object]) -> Path:
    """Build a cached folder once: ``make`` fills a temporary folder renamed into place.

    Concurrent processes never see half a build; when two build at once, the first
    rename wins and the other's copy is discarded.
    """
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        make(tmp / "out")
        try:
            (tmp / "out").rename(target)
        except OSError:  # another process finished first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def build(kind: str, out: Path, size: Size = Size(), seed: int = 0) -> Path:
    """Build a model of ``kind`` ("marian" or "bart") into ``out``, in Hugging Face format."""
    import transformers

    transformers.utils.logging.disable_progress_bar()
    out.mkdir(parents=True, exist_ok=True)
    if kind == "marian":
        _build_marian(out, size, seed)
    elif kind == "bart":
        _build_bart(out, size, seed)
    else:
        raise ValueError(f"unknown tiny model {kind!r}; valid: {', '.join(KINDS)}")
    return out


def _architecture(size: Size, vocab_size: int) -> dict[str, int | float]:
    """The config values Marian and BART share, from a Size."""
    return {
        "vocab_size": vocab_size,
        "d_model": size.d_model,
        "encoder_layers": size.encoder_layers,
        "decoder_layers": size.decoder_layers,
        "encoder_attention_heads": size.heads,
        "decoder_attention_heads": size.heads,
        "encoder_ffn_dim": size.ffn_dim,
        "decoder_ffn_dim": size.ffn_dim,
        "max_position_embeddings": size.max_positions,
        "init_std": INIT_STD,
    }


def _train_spm(text_file: Path, prefix: Path, vocab_size: int) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        input=str(text_file),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,  # the corpus is small: take the vocabulary it supports
        bos_id=-1,
        eos_id=-1,  # Marian appends </s> itself, from vocab.json
        unk_id=0,
        num_threads=1,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def _build_marian(out: Path, size: Size, seed: int) -> None:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    with tempfile.TemporaryDirectory() as work:
        source = _train_spm(size.corpus_dir / "fr.txt", Path(work) / "source", size.vocab_size)
        target = _train_spm(size.corpus_dir / "en.txt", Path(work) / "target", size.vocab_size)
        shutil.copy(source, out / "source.spm")
        shutil.copy(target, out / "target.spm")
    # One joint vocabulary, as in OPUS-MT: </s> = 0, <unk> = 1, ..., <pad> last.
    vocab = {"</s>": 0, "<unk>": 1}
    for model_file in (out / "source.spm", out / "target.spm"):
        sp = spm.SentencePieceProcessor(model_file=str(model_file))
        for i in range(sp.get_piece_size()):
            piece = sp.id_to_piece(i)
            if piece not in vocab and piece not in ("<unk>", "<s>", "</s>"):
                vocab[piece] = len(vocab)
    while len(vocab) < size.model_vocab - 1:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")

    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"),
        target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"),
        source_lang="fr",
        target_lang="en",
        model_max_length=size.max_positions,
    )
    tokenizer.save_pretrained(out)
    pad = vocab["<pad>"]
    config = MarianConfig(
        **_architecture(size, len(vocab)),
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=pad,
        forced_eos_token_id=0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    model.generation_config.bad_words_ids = [[pad]]
    model.save_pretrained(out)


def _build_bart(out: Path, size: Size, seed: int) -> None:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # BART's ids 0..4
    bpe = ByteLevelBPETokenizer()
    bpe.train(
        [str(size.corpus_dir / "en.txt")],
        vocab_size=size.vocab_size,
        min_frequency=2,
        special_tokens=specials,
        show_progress=False,  # it would print to stdout, into a JSON output
    )
    with tempfile.TemporaryDirectory() as work:
        vocab_file, merges_file = bpe.model.save(work)
        vocab = json.loads(Path(vocab_file).read_text(encoding="utf-8"))
        merges = [
            tuple(line.split())
            for line in Path(merges_file).read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#version")
        ]
    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=size.max_positions)
    # Padding tokens are added tokens, so that decoded text encodes back to one token
    # each: a random model's partial summaries must not grow when summarized again.
    tokenizer.add_tokens([f"<unused{i}>" for i in range(len(vocab), size.model_vocab)])
    tokenizer.save_pretrained(out)
    config = BartConfig(
        **_architecture(size, len(tokenizer)),
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_eos_token_id=2,
        # Published BART configs carry it; CTranslate2's converter reads it.
        normalize_before=False,
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config)
    model.save_pretrained(out)
