"""``python -m sklearn_seismo.study [run|suite]``: the study CLI (see ``--help``)."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
