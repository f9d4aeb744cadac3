"""The code objects of spikesweep's compiled programs: Brian2's, with three templates of ours.

Brian2's C++ standalone code objects, rendered from spikesweep's templates
(``templates/``) where it has them and from Brian2's otherwise:

``stateupdate``, ``threshold``
    The neurons' loops, which visit every neuron at every step, keep Brian2's
    generated code and change only the loop around it: compiled for two
    instruction sets and chosen at start-up, and (the thresholder) skipping
    blocks of neurons without a spike. The same operations on the same values,
    so the same spikes.
``synapses_push_spikes``
    A synaptic pathway prepared once for the many runs a program simulates
    (:mod:`spikesweep.engine.standalone`), its queue emptied before each.

Only spikesweep's neurons and synapses use this class: a ``PoissonGroup``'s
threshold draws random numbers, which the thresholder's second pass over a
block would draw again.
"""

from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

__all__ = ["ProgramCodeObject"]


class ProgramCodeObject(CPPStandaloneCodeObject):
    """``CPPStandaloneCodeObject`` with spikesweep's templates (see the module)."""

    templater = CPPStandaloneCodeObject.templater.derive("spikesweep.engine")
