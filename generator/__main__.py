"""`python -m generator` runs the scopecraft CLI."""

from generator.cli import main

main()
