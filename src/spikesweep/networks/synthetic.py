"""Synthetic connectomes in the Shiu et al./FlyWire file format, at any size.

:func:`write_synthetic` writes a neurons CSV and a connectivity parquet that
:func:`spikesweep.networks.flywire.load_flywire` reads like the real ones, so
that a whole-brain study can be run and tested without the FlyWire release.
Run ``python -m spikesweep.networks.synthetic --help``.
"""

import argparse
import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from spikesweep.files import atomic_path

__all__ = ["study_flywire_ids", "write_synthetic"]

logger = logging.getLogger(__name__)

#: First FlyWire root id of the synthetic connectomes (real ids start with 7205759406).
_SYNTHETIC_ID_BASE = 720575940600000000


def write_synthetic(
    neurons: str | Path,
    connectivity: str | Path,
    n_neurons: int = 138_639,
    n_connections: int = 15_091_983,
    seed: int = 0,
    include_ids: Iterable[int] = (),
) -> None:
    """Write a synthetic connectome as a Shiu et al./FlyWire file pair.

    Degrees are heavy-tailed (each neuron's out- and in-propensity is
    log-normal, sigma 1: hubs with thousands of partners), synapse counts are
    integers from a Zipf law (exponent 2, at most 1000: most connections have
    one or two synapses, a few hundreds), about a third of the neurons are
    inhibitory (``Excitatory`` = -1 on all their connections), and there are
    no autapses or repeated connections. The defaults are the size of FlyWire
    v783. Same arguments, same bytes.

    Parameters
    ----------
    neurons, connectivity : str or Path
        Paths of the neurons CSV and the connectivity parquet to write.
    n_neurons, n_connections : int
        Size of the connectome.
    seed : int
        Seed of the generator (NumPy PCG64).
    include_ids : iterable of int
        FlyWire ids that must exist (for example a study's targets); the
        others are drawn at random from 18-digit ids.
    """
    rng = np.random.default_rng(seed)
    include_ids = np.unique(np.asarray(list(include_ids), dtype=np.int64))
    if include_ids.size > n_neurons:
        raise ValueError(f"{include_ids.size} ids to include exceed n_neurons={n_neurons}.")
    drawn = _SYNTHETIC_ID_BASE + rng.choice(
        60_000_000_000, size=n_neurons + include_ids.size, replace=False
    )
    drawn = drawn[~np.isin(drawn, include_ids)][: n_neurons - include_ids.size]
    neuron_ids = np.sort(np.concatenate([include_ids, drawn]))

    out_propensity = rng.lognormal(0.0, 1.0, n_neurons)
    in_propensity = rng.lognormal(0.0, 1.0, n_neurons)
    keys = np.empty(0, dtype=np.int64)
    while keys.size < n_connections:  # draw, drop autapses and repeats, top up
        missing = n_connections - keys.size
        pre = rng.choice(
            n_neurons, size=missing + missing // 10 + 100, p=out_propensity / out_propensity.sum()
        )
        post = rng.choice(n_neurons, size=pre.size, p=in_propensity / in_propensity.sum())
        keep = pre != post
        keys = np.union1d(keys, pre[keep] * n_neurons + post[keep])
    keys = np.sort(rng.choice(keys, size=n_connections, replace=False))
    pre, post = np.divmod(keys, n_neurons)
    del keys
    synapses = np.minimum(rng.zipf(2.0, n_connections), 1000).astype(np.int64)
    sign = np.where(rng.random(n_neurons) < 1 / 3, -1, 1).astype(np.int64)
    table = pa.table(
        {
            "Presynaptic_ID": neuron_ids[pre],
            "Postsynaptic_ID": neuron_ids[post],
            "Presynaptic_Index": pre,
            "Postsynaptic_Index": post,
            "Connectivity": synapses,
            "Excitatory": sign[pre],
            "Excitatory x Connectivity": sign[pre] * synapses,
        }
    )
    with atomic_path(neurons) as tmp:
        pd.DataFrame({"Completed": True}, index=pd.Index(neuron_ids)).to_csv(tmp)
    with atomic_path(connectivity) as tmp:
        pq.write_table(table, tmp, compression="snappy")
    logger.info(
        "wrote %d neurons to %s and %d connections to %s",
        n_neurons,
        neurons,
        n_connections,
        connectivity,
    )


def study_flywire_ids(config: dict) -> list[int]:
    """Every FlyWire id a study config names: its flywire networks' silenced neurons,
    and the driven and silenced sets of sweeps on flywire networks (lists or named sets;
    cell types, which a synthetic neurons CSV does not have, left out)."""
    flywire = {name for name, source in config["networks"].items() if "flywire" in source}
    ids = {i for name in flywire for i in config["networks"][name].get("silenced", [])}
    for sweep in config["sweeps"].values():
        if not flywire & set(sweep["networks"]):
            continue
        for key in ("targets", "silenced"):
            spec = sweep.get(key, [])
            for members in spec.values() if isinstance(spec, dict) else [spec]:
                ids.update([] if members == "all" else [i for i in members if isinstance(i, int)])
    return sorted(ids)


def main(argv: list[str] | None = None) -> None:
    """Command line: write a synthetic connectome in the Shiu et al./FlyWire format."""
    parser = argparse.ArgumentParser(
        prog="python -m spikesweep.networks.synthetic",
        description=write_synthetic.__doc__.split("\n")[0],
    )
    parser.add_argument("--neurons", required=True, help="neurons CSV to write")
    parser.add_argument("--connectivity", required=True, help="connectivity parquet to write")
    parser.add_argument("--n-neurons", type=int, default=138_639)
    parser.add_argument("--n-connections", type=int, default=15_091_983)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--study", help="a study config whose FlyWire targets and silenced ids must exist"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    include = study_flywire_ids(yaml.safe_load(Path(args.study).read_text())) if args.study else []
    write_synthetic(
        args.neurons, args.connectivity, args.n_neurons, args.n_connections, args.seed, include
    )


if __name__ == "__main__":
    main()
