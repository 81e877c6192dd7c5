"""The assessors' side: certification digests and signatures, evidence hashes, the journal, the chain calls and the
long-running service.
"""
