"""sklearn_seismo.study."""
