"""User strategies for `kind: python` pipelines (`class: strategies.<module>:<Class>` imports
from the folder of the pipeline naming it; examples/strategies links here, so the reference
pipeline and the example share one copy)."""
