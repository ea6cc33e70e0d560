"""sklearn_seismo.metrics."""
