"""sklearn_seismo.over_sampling."""
