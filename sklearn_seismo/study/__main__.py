"""``python -m sklearn_seismo.study``: run the SeismoGlow study (see ``--help``)."""

if __name__ == "__main__":
    import sys

    from sklearn_seismo.study._cli import main

    sys.exit(main())
