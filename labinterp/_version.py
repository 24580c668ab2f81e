"""labinterp's version, in a module of its own so that any layer can name it (the JSON
document of an interpretation records the version that wrote it)."""

__version__ = "0.1.0"
