"""The chain connection: nodes, accounts, sending, deployments, artifacts, decoding and the error sentences. It knows
nothing of the roles above it.
"""
