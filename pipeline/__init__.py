"""precis: French news articles in, English translation and summary out."""

__version__ = "0.1.0"
