"""Which variants the bench runs on a device, the model sizes, and precis's stages for them."""

from __future__ import annotations

from typing import Any

TRANSLATE_VARIANTS = (
    "naive-fp32",
    "precis-default",
    "transformers-fp32",
    "transformers-bf16",
    "transformers-int8",
    "ctranslate2-int8",
    "ctranslate2-int8-direct",
)
SUMMARIZE_VARIANTS = (
    "fp32",
    "precis-default",
    "transformers-fp32",
    "transformers-bf16",
    "transformers-int8",
    "ctranslate2-int8",
)
# precis settings per variant: (backend, quantization, runtime dtype)
BACKENDS = {
    "precis-default": ("auto", "auto", "auto"),
    "transformers-fp32": ("transformers", "none", "float32"),
    "transformers-bf16": ("transformers", "none", "bfloat16"),
    "transformers-int8": ("transformers", "int8", "auto"),
    "ctranslate2-int8": ("ctranslate2", "int8", "auto"),
}
# The reference row: CTranslate2 called directly, timed in the process of precis's CTranslate2 variant.
DIRECT = "ctranslate2-int8-direct"
# The plain-generate() baselines every other row is compared with.
BASELINES = {"translate": "naive-fp32", "summarize": "fp32"}


def variants(kind: str, device: str) -> list[str]:
    """The variants to run on ``device``, each in its own process.

    ``ctranslate2-int8`` is left out where the default resolves to it (it is the default's
    row); dynamic int8 is CPU-only; the direct CTranslate2 row comes from the process of
    precis's CTranslate2 variant.
    """
    names = TRANSLATE_VARIANTS if kind == "translate" else SUMMARIZE_VARIANTS
    skip = {DIRECT}
    if paired_variant(device) == "precis-default":
        skip.add("ctranslate2-int8")
    if device != "cpu":
        skip.add("transformers-int8")
    return [name for name in names if name not in skip]


def paired_variant(device: str) -> str:
    """precis's CTranslate2 variant on ``device``: the one timed against CTranslate2 called directly."""
    from models.loading import resolve_backend

    return (
        "precis-default" if resolve_backend("auto", "auto", device) == ("ctranslate2", "int8") else "ctranslate2-int8"
    )


def rows(kind: str, device: str) -> list[str]:
    """The report's rows for ``kind`` when every variant runs: the direct row follows its paired variant."""
    names = variants(kind, device)
    if kind == "translate":
        names.insert(names.index(paired_variant(device)) + 1, DIRECT)
    return names


def sizes(quick: bool) -> dict[str, Any]:
    """Architectures of the two models: toy-sized for ``--quick``, else the published models' sizes."""
    from models.tiny import Size

    if quick:
        return {"marian": Size(), "bart": Size()}
    return {
        "marian": Size(
            d_model=512,
            encoder_layers=6,
            decoder_layers=6,
            heads=8,
            ffn_dim=2048,
            max_positions=512,
            vocab_size=8000,
            model_vocab=59514,
        ),
        "bart": Size(
            d_model=1024,
            encoder_layers=12,
            decoder_layers=6,
            heads=16,
            ffn_dim=4096,
            max_positions=1024,
            vocab_size=8000,
            model_vocab=50264,
        ),
    }


def build(kind: str, variant: str, spec: dict[str, Any], overrides: list[str]) -> Any:
    """precis's stage for a variant, built as the runner builds it (model loaded on its backend)."""
    from pipeline import config
    from pipeline.runner import build_stage

    backend, quantization, dtype = BACKENDS[variant]
    model = spec["marian"] if kind == "translate" else spec["bart"]
    cfg = config.load(
        overrides=[
            f"{kind}.model={model}",
            f"{kind}.backend={backend}",
            f"{kind}.quantization={quantization}",
            f"{kind}.num_beams=4",
            *overrides,
            f"runtime.dtype={dtype}",
            f"runtime.device={spec['device']}",
            f"runtime.threads={spec['threads']}",
        ]
    )
    return build_stage(kind, cfg)


def fixed_length_translator(variant: str, spec: dict[str, Any]) -> Any:
    """precis's translate stage for a variant, decoding exactly one token per source token.

    Its model records the token ids of every output (``wrappers.RecordingSeq2Seq``), for the
    agreement check.
    """
    from eval.bench.wrappers import FixedLengthTranslate, RecordingSeq2Seq

    stage = build(
        "translate",
        variant,
        spec,
        [
            "translate.max_new_tokens_ratio=1.0",  # one output token per source token (exactly: FixedLengthTranslate)
            "translate.max_new_tokens_offset=0",
            "translate.guard.enabled=false",  # retries would add work to some variants only
            *[f"translate.{k}={v}" for k, v in spec.get("batch_limits", {}).items()],
        ],
    )
    return FixedLengthTranslate(stage.config, RecordingSeq2Seq(stage.model))


def fixed_length_summarizer(variant: str, spec: dict[str, Any]) -> Any:
    """precis's summarize stage for a variant, every summary ``spec["summary_tokens"]`` tokens long."""
    n = spec["summary_tokens"]
    return build("summarize", variant, spec, [f"summarize.min_new_tokens={n}", f"summarize.max_new_tokens={n}"])
