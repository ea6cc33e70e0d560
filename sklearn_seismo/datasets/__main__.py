"""Entry point of ``python -m sklearn_seismo.datasets``."""

if __name__ == "__main__":
    import sys

    from ._cli import main

    sys.exit(main())
