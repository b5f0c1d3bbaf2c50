"""Strategy runtime classes: the typed interface (`base`) and the built-in kinds."""
