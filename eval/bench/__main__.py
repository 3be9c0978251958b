"""``python -m eval.bench`` (``make bench``)."""

from eval.bench.cli import main

main()
