"""Source adapters: one module per source format, all with the contract in ``base``."""
