"""How tasks reach whoever carries them out."""
