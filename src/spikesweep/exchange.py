"""Spike trains for the field's tools: Neo (and so Elephant) objects, NWB files, and the
parquet layout of Shiu et al.'s notebooks.

Both read a spike dataset through :class:`~spikesweep.spikes.SpikeDataset`, so
they work on ``spikes.nc`` and on run files alike. Only the stored trains are
exported: a train for each neuron that fired or was driven (a neuron without
one never fired; ``n_neurons`` says how many the network has).
"""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path

import neo
import numpy as np
import pandas as pd
import quantities as pq
from pynwb import NWBHDF5IO, NWBFile

from spikesweep.files import atomic_path
from spikesweep.spikes import SpikeDataset
from spikesweep.study.axes import RUN_COORDS

__all__ = ["SESSION_START", "shiu_spikes", "to_neo", "write_nwb"]

#: The session start of exported NWB files: NWB requires one, and a run has no date
#: (a wall-clock time would make the file's bytes depend on when it was written).
SESSION_START = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def to_neo(spikes: SpikeDataset) -> neo.Block:
    """A Neo ``Block`` with one ``Segment`` per run and one ``SpikeTrain`` per stored train.

    Each segment is annotated with the run's coordinates (``network``, ``mode``,
    the grid axes, ``seed``) and ``n_neurons``; each spike train with its
    ``neuron`` index and whether it was ``driven``. Times are in seconds, from
    0 to the run's duration.
    """
    block = neo.Block(name="spikesweep")
    for coords, rows in spikes.run_rows():
        trains = spikes.decode(rows)
        segment = neo.Segment(
            name=" ".join(f"{name}={coords[name]}" for name in RUN_COORDS),
            **coords,
            n_neurons=trains.n_neurons,
        )
        per_neuron = trains.steps_per_neuron()
        for neuron in spikes.coords["neuron"][rows]:
            segment.spiketrains.append(
                neo.SpikeTrain(
                    per_neuron[neuron] * trains.dt_s * pq.s,
                    t_stop=trains.duration_s * pq.s,
                    sampling_rate=1 / trains.dt_s * pq.Hz,
                    neuron=int(neuron),
                    driven=bool(trains.driven[neuron]),
                )
            )
        block.segments.append(segment)
    block.annotate(n_runs=len(block.segments))
    return block


def write_nwb(spikes: SpikeDataset, path: str | Path, identifier: str, description: str) -> None:
    """Write the spike trains as an NWB file: its ``units`` table, a row per run and train.

    NWB holds one units table per file; each row carries its run's coordinates
    (``network``, ``mode``, the grid axes, ``seed``), its ``neuron`` index and
    ``driven``, so that a run's units are a selection on those columns.
    ``identifier`` should name the data (the study's config hash); the file's
    dates are :data:`SESSION_START` (NWB still gives each object a random id,
    so two exports of the same data differ in those ids only).
    """
    nwb = NWBFile(
        session_description=description,
        identifier=identifier,
        session_start_time=SESSION_START,
        file_create_date=[SESSION_START],
    )
    columns = {
        "network": "network name",
        "mode": "Poisson input mode",
        **{name: f"grid coordinate {name}" for name in RUN_COORDS[2:-1]},
        "seed": "random seed (brian2.seed)",
        "neuron": "neuron index in the network",
        "driven": "whether the neuron received the Poisson drive",
    }
    for name, about in columns.items():
        nwb.add_unit_column(name=name, description=about)
    for coords, rows in spikes.run_rows():
        trains = spikes.decode(rows)
        per_neuron = trains.steps_per_neuron()
        for neuron in spikes.coords["neuron"][rows]:
            nwb.add_unit(
                spike_times=per_neuron[neuron] * trains.dt_s,
                obs_intervals=[[0.0, trains.duration_s]],
                **coords,
                neuron=int(neuron),
                driven=bool(trains.driven[neuron]),
            )
    with atomic_path(path) as tmp, warnings.catch_warnings():
        # The temporary file's name does not end in .nwb; the final file's does.
        warnings.filterwarnings("ignore", message="The file path provided", category=UserWarning)
        with NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwb)


def shiu_spikes(
    spikes: SpikeDataset, selection: dict, flywire_ids: np.ndarray, exp_name: str
) -> pd.DataFrame:
    """One experiment's spikes in the layout of Shiu et al.'s parquet files.

    Parameters
    ----------
    spikes : SpikeDataset
        A spike dataset holding the experiment's runs.
    selection : dict
        The experiment's coordinates (network, mode, every grid axis): its runs
        over all seeds.
    flywire_ids : ndarray of int64, shape (n_neurons,)
        FlyWire id of each neuron index.
    exp_name : str
        The experiment's name, repeated in column ``exp_name``.

    Returns
    -------
    DataFrame
        ``t`` (spike time, s, float64), ``trial`` (the seed), ``flywire_id``
        (int64), ``exp_name``: a row per spike, by seed, neuron and time.
    """
    frames = []
    for coords, rows in spikes.run_rows():
        if all(coords[name] == value for name, value in selection.items()):
            trains = spikes.decode(rows)
            frames.append(
                pd.DataFrame(
                    {
                        "t": trains.step * trains.dt_s,
                        "trial": np.full(len(trains.step), coords["seed"], dtype=np.int64),
                        "flywire_id": np.asarray(flywire_ids, dtype=np.int64)[trains.neuron],
                    }
                )
            )
    columns = {"t": np.float64, "trial": np.int64, "flywire_id": np.int64}
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return table.astype(columns).assign(exp_name=exp_name)
