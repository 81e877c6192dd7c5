"""Benchmarks: gas per operation against its floor, and trace speed as the chain grows."""
