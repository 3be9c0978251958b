"""Nightly batch jobs: every article of an input processed exactly once, resumable after a crash.

Where each part lives:

- ``inputs``: listing an input (folder, JSONL, list of paths) and reading one article with every check;
- ``keys``: the run's output signature, each article's key and result file name;
- ``worker``: tasks, outcomes and the Worker that runs groups through the pipeline;
- ``engines``: where the groups run, by name (``local``: this process; ``ray``: Ray actors);
- ``run``: the driver, the one loop that skips finished articles and writes every outcome;
- ``state``: one run's counts and logs, and writing each outcome; ``publish``: its live manifest and metrics;
- ``store``: the output folder, atomic writes and the lock; ``cache``: the SQLite translation cache;
- ``manifest``: each run's manifest; ``events``: progress and JSON-lines events on stderr;
- ``signals``: SIGTERM and SIGINT stop a run cleanly; ``status``, ``metrics``, ``report``: the operators' views.
"""

from pipeline.batch.options import BatchOptions
from pipeline.batch.run import RunResult, run_batch

__all__ = ["BatchOptions", "RunResult", "run_batch"]
