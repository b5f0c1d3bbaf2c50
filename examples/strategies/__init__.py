"""Example user strategies for `kind: python` (this folder sits beside the pipelines that
name them, so `class: strategies.mean_reversion:MeanReversion` imports from here)."""
