"""The impact index: every log of a deployment's contracts, synced from the chain into SQLite or PostgreSQL, decoded
into one table per event of the contracts' ABIs, so that a trace reads a database instead of walking the chain.

    schema    the tables, made from the ABIs (no event is named in code)
    decode    ABI decoding, exactly as web3's, faster
    store     the databases behind one small interface
    database  one deployment's index: opening, checking, writing chunks and rollbacks, reading
    sync      fetching from the node: chunks, the cursor, reorganisations, confirmations
    source    the index as a trace's LogSource

See docs/index.md.
"""
