"""Scopecraft: Flask JSON APIs in which every object is reachable only through its owner's scope.

Commands live in private modules (`_new_project`, ...) and the CLI in `generator.cli`. Copier is
imported only when a command runs, so importing this package and `scopecraft --help` stay fast.
"""

from generator._errors import GitError, RenderError, ScopecraftError, UsageError

__version__ = "0.1.0"

__all__ = ["GitError", "RenderError", "ScopecraftError", "UsageError", "__version__"]
