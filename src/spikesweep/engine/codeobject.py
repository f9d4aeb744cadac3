"""The neurons' code objects of a compiled program: Brian2's, with their loops dispatched.

Brian2's C++ standalone code objects, rendered from spikesweep's templates
(``templates/``) where it has them and from Brian2's otherwise. The state
updater and the thresholder, which visit every neuron at every step, keep
Brian2's generated code and change only the loop around it (see the templates'
comments): the same operations on the same values, so the same spikes.
"""

from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

__all__ = ["NeuronLoopsCodeObject"]


class NeuronLoopsCodeObject(CPPStandaloneCodeObject):
    """``CPPStandaloneCodeObject`` with spikesweep's ``stateupdate`` and ``threshold`` templates."""

    templater = CPPStandaloneCodeObject.templater.derive("spikesweep.engine")
