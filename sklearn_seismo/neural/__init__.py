"""sklearn_seismo.neural."""
