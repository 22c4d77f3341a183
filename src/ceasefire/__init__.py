"""ceasefire: the software a ceasefire monitoring and verification mission runs on."""

__version__ = "0.1.0"
