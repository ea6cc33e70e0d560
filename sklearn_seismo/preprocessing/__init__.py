"""sklearn_seismo.preprocessing."""
