"""Networks: connectivity matrices from config sources, FlyWire files and generators.

Modules
-------
connectivity
    Inline, random and file sources; validation; the stored ``.npz`` network.
flywire
    The Shiu et al./FlyWire file pair: reader and FlyWire id mapping.
synthetic
    Synthetic connectomes in the FlyWire file format (``python -m
    spikesweep.networks.synthetic``).
"""
