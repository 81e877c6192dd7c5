"""Green List impact finance: the Python side of the contracts (deployment, purchases, tracing, oracles)."""

__version__ = "0.1.0"
