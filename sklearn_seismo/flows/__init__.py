"""sklearn_seismo.flows."""
