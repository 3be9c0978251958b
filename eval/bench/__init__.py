"""Speed benchmark of translation and summarization (``make bench``, ``python -m eval.bench``).

Real-size architectures with random weights, built locally: the compute of a forward
pass doesn't depend on the weight values. Marian as ``Helsinki-NLP/opus-mt-fr-en``
(6+6 layers, d_model 512, 8 heads, FFN 2048, vocabulary 59,514) and BART as
``sshleifer/distilbart-cnn-12-6`` (12+6 layers, d_model 1024, 16 heads, FFN 4096,
vocabulary 50,264), with tokenizers trained on French news text. Random weights would
stop decoding at random, so every variant decodes a fixed number of tokens
(``min_new_tokens = max_new_tokens``): one output token per source token for
translation (the bench's own subclass of the translate stage, ``wrappers.FixedLengthTranslate``),
a fixed summary length for summarization. Each variant runs in its own process, so peak
memory and thread settings are its own.

Translation variants, all with beam 4, on the sentences of the sample article and the
OrangeSum articles:
- ``naive-fp32``: what a user would write: one ``generate()`` per sentence, fp32;
- ``precis-default``: precis's translate stage as configured by default (``backend: auto``:
  CTranslate2 int8 on CPU, transformers bf16/fp16 on CUDA; length-sorted token-budget
  batches sized for the device);
- ``transformers-fp32`` (``configs/exact.yaml``), ``transformers-bf16``,
  ``transformers-int8`` (dynamic, CPU only), ``ctranslate2-int8``: precis with that backend
  (``ctranslate2-int8`` isn't run twice where it is the default);
- ``ctranslate2-int8-direct``: CTranslate2 called directly on the same batches, as a user
  writes it (its own translator with all threads, one ``translate_batch`` per batch, in
  order), the reference to meet. It is timed in the same process as precis's CTranslate2
  variant, the two alternating ``--repeats`` times; both report their median.

precis's rows run the stage's own path (``Translate.translate``); the token ids for the
agreement with fp32 are recorded by a wrapper of its model (``wrappers.RecordingSeq2Seq``).

Summarization variants on a 1,000-token article (``fp32`` is a plain ``generate()`` with
distilbart-cnn's published settings: beam 4, length penalty 2.0, no repeated 3-grams),
then time per input token of precis's default map-reduce summarizer from 1k- to
20k-token articles.

End to end (``endtoend``): ``precis batch`` over the same articles with the default
config, today's code beside a baseline commit's (``--endtoend-baseline``), articles/min
and each stage's share of the time; ``--endtoend off|only``.

Modules: ``lineup`` (which variants run, sizes, their stages; not named ``variants``, the
function exported here), ``wrappers`` (the fixed-length stage and the recording model),
``workers`` (one variant's timed work, in its own process), ``direct`` (CTranslate2 called
directly), ``data`` (articles, corpus, English articles), ``endtoend`` (the precis batch
row), ``measures`` (agreement, spread, memory), ``run`` (orchestration, the sweep),
``report`` (Markdown), ``cli`` (arguments).

Run: ``make bench``; ``--quick`` for a small run on toy sizes.
"""

from eval.bench.cli import main
from eval.bench.lineup import paired_variant, rows, sizes, variants
from eval.bench.measures import agreement, spread

__all__ = ["agreement", "main", "paired_variant", "rows", "sizes", "spread", "variants"]
