"""sklearn_seismo.augmentation."""
