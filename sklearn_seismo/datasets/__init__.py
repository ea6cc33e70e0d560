"""sklearn_seismo.datasets."""
