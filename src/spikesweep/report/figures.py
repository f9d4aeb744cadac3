"""Figures of a study, drawn from its stored datasets and verdicts only.

One style for every figure (:data:`STYLE`: matplotlib's shipped DejaVu Sans,
the Okabe-Ito colour-blind-safe palette, one colour per input mode), axis
labels with units, and :func:`save`, which writes PNG and PDF without
creation dates or software versions, so that drawing a figure twice from the
same data gives the same bytes.
"""

import json
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from spikesweep.analyses.markdown import outcome
from spikesweep.files import atomic_path
from spikesweep.spikes import SpikeDataset, SpikeTrains
from spikesweep.storage import iter_grid_points
from spikesweep.study.axes import AXIS_NAMES, DRIVE_AXES, LESIONED_SUFFIX

__all__ = [
    "DRAWERS",
    "MODE_COLOURS",
    "STYLE",
    "FigureInputs",
    "draw_figure",
    "equivalence_figure",
    "independence_figure",
    "inhibition_figure",
    "input_scaling_figure",
    "propagation_figure",
    "raster_figure",
    "rates_figure",
    "responders_figure",
    "save",
    "silencing_figure",
    "tuning_figure",
]

logger = logging.getLogger(__name__)

#: Okabe-Ito colours, one per input mode (and for lesioned runs).
MODE_COLOURS = {
    "poisson_input": "#0072B2",
    "per_neuron": "#E69F00",
    "poisson_group": "#009E73",
    "shared_source": "#D55E00",
    "lesioned": "#CC79A7",
}
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "svg.hashsalt": "spikesweep",
    "pdf.compression": 6,
}


def _drive_label(point: dict, varying: list[str] = ()) -> str:
    """``150 Hz x N=1, 68.8 mV``, then ``name=value`` for each of the ``varying`` axes."""
    drive = f"{point['rate_hz']:g} Hz x N={int(point['n_sources'])}, {point['weight_mV']:g} mV"
    return ", ".join([drive, *(f"{name}={_value(point[name])}" for name in varying)])


def _value(value) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def _varying(table: pd.DataFrame, names) -> list[str]:
    """The non-drive axes among ``names`` that take more than one value in ``table``."""
    drive = {axis.name for axis in DRIVE_AXES}
    return [name for name in names if name not in drive and table[name].nunique() > 1]


def save(fig, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf`` reproducibly (no dates, no versions), atomically."""
    paths = []
    for fmt, metadata in (
        ("png", {"Software": None}),
        ("pdf", {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}),
    ):
        path = Path(f"{stem}.{fmt}")
        with atomic_path(path) as tmp, open(tmp, "wb") as stream:
            fig.savefig(stream, format=fmt, metadata=metadata)
        paths.append(path)
    plt.close(fig)
    return paths


#: Most neurons a raster shows (the driven first, then the most active).
RASTER_NEURONS = 60


def _shown_neurons(trains: SpikeTrains) -> np.ndarray:
    """Up to :data:`RASTER_NEURONS` neurons: driven ones first, then the most active."""
    counts = trains.counts
    driven = np.flatnonzero(trains.driven)
    others = np.setdiff1d(np.flatnonzero(counts), driven)
    others = others[np.argsort(-counts[others], kind="stable")]
    return np.sort(np.concatenate([driven, others])[:RASTER_NEURONS])


def raster_figure(spikes: SpikeDataset, network: str, point: dict, seed: int, bin_ms: float):
    """Raster and population rates of one run per mode that ran, for one network and point.

    Large networks are subsampled (:data:`RASTER_NEURONS`); the rate panel shows
    the mean rate of the driven neurons and, dashed, of the others.
    """
    runs = {
        mode: spikes.select(network=network, mode=mode, seed=seed, **point)
        for mode in MODE_COLOURS
        if spikes.matching(network=network, mode=mode, seed=seed, **point).any()
    }
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            2,
            len(runs),
            figsize=(2.6 * max(len(runs), 2), 3.8),
            sharex=True,
            squeeze=False,
            gridspec_kw={"height_ratios": [2, 1]},
        )
        duration_ms = spikes.duration_s * 1000
        edges = np.arange(0, duration_ms + bin_ms, bin_ms)
        for column, (mode, trains) in enumerate(runs.items()):
            colour = MODE_COLOURS[mode]
            raster, rate = axes[0, column], axes[1, column]
            shown = _shown_neurons(trains)
            per_neuron = trains.steps_per_neuron()
            marker = max(1.0, min(4.0, 160 / max(len(shown), 1)))
            for row, neuron in enumerate(shown):
                times = per_neuron[neuron] * trains.dt_s * 1000
                raster.plot(times, np.full(len(times), row), "|", color=colour, ms=marker, mew=0.6)
            for group, style in ((trains.driven, "-"), (~trains.driven, "--")):
                if group.any():
                    times = np.concatenate([per_neuron[k] for k in np.flatnonzero(group)])
                    counts, _ = np.histogram(times * trains.dt_s * 1000, edges)
                    hz = counts / group.sum() / (bin_ms / 1000)
                    rate.step(edges[:-1], hz, where="post", color=colour, ls=style, lw=1)
            raster.set_title(mode)
            raster.set_ylim(-1, max(len(shown), 1))
            if column == 0:
                shown_of = (
                    f" ({len(shown)} of {trains.n_neurons})"
                    if len(shown) < trains.n_neurons
                    else ""
                )
                raster.set_ylabel(f"neuron{shown_of}")
                rate.set_ylabel("rate (Hz)\ndriven, others dashed")
            rate.set_xlabel("time (ms)")
        fig.suptitle(f"{network}, {_drive_label(point)}, seed {seed}")
        fig.tight_layout()
    return fig


def independence_figure(summary: dict):
    """Each point's Stouffer z against its standard-normal null, verdict in the title."""
    points = summary["points"]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6, 3.2))
        grid = np.linspace(-4, 4, 200)
        ax.fill_between(
            grid,
            np.exp(-(grid**2) / 2) / np.sqrt(2 * np.pi) * 4,
            color="0.9",
            label="null N(0, 1) (scaled)",
        )
        for k, row in enumerate(points):
            z = np.clip(row["stouffer_z"], -4, 4)
            ax.plot(
                z,
                0.1 + 0.08 * (k % 10),
                "o",
                color=MODE_COLOURS.get(row["mode"], "0.3"),
                label=row["mode"] if row["mode"] not in [p["mode"] for p in points[:k]] else None,
            )
        ax.set_xlim(-4.3, 4.3)
        ax.set_xlabel("Stouffer z of binned-count correlations (clipped at +-4)")
        ax.set_yticks([])
        ax.legend(frameon=False, fontsize=7, loc="upper left")
        control = outcome(summary["controls"]["positive_shared_source"])
        ax.set_title(f"independence: {summary['verdict']} (shared_source control {control})")
        fig.tight_layout()
    return fig


def input_scaling_figure(summary: dict):
    """Output rate against N x rate, with the dead-time prediction."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.5, 3.4))
        for row in summary["points"]:
            ax.errorbar(
                row["input_rate_hz"],
                row["mean_rate_hz"],
                yerr=row["sem_hz"],
                fmt="o",
                color=MODE_COLOURS.get(row["mode"], "0.3"),
                ms=4,
            )
        theory = sorted(
            (r["input_rate_hz"], r["predicted_hz"])
            for r in summary["points"]
            if r.get("predicted_hz") is not None
        )
        if theory:
            x, y = zip(*theory, strict=True)
            ax.plot(x, y, "k--", lw=1, label="dead-time prediction")
            ax.legend(frameon=False)
        ax.set_xlabel("N x rate (Hz)")
        ax.set_ylabel("output rate (Hz)")
        ax.set_title(f"input scaling: {summary['verdict']}")
        fig.tight_layout()
    return fig


def propagation_figure(numbers: xr.Dataset, delay_ms: float):
    """Spike-triggered average of g_post per connected pair, synaptic delay marked."""
    connected = numbers.where(numbers["kind"] == "connected", drop=True)
    pairs = sorted(
        {
            (int(a), int(b))
            for a, b in zip(connected["pre"].values, connected["post"].values, strict=True)
        }
    )
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, max(len(pairs), 1), figsize=(3.2 * max(len(pairs), 1), 3), squeeze=False
        )
        for ax, (pre, post) in zip(axes[0], pairs, strict=False):
            rows = connected.where(
                (connected["pre"] == pre) & (connected["post"] == post), drop=True
            )
            for k in range(rows.sizes["point"]):
                row = rows.isel(point=k)
                ax.plot(
                    numbers["lag_ms"],
                    row["sta_g_mV"],
                    lw=1,
                    color=MODE_COLOURS.get(str(row["mode"].values), "0.3"),
                    alpha=0.8,
                )
            ax.axvline(delay_ms, color="k", ls=":", lw=1)
            ax.set_title(f"{pre} -> {post}")
            ax.set_xlabel("time after presynaptic spike (ms)")
        axes[0, 0].set_ylabel("g_post - baseline (mV)")
        fig.tight_layout()
    return fig


def inhibition_figure(rates: xr.DataTree, network: str, lesioned: str, neuron: int):
    """Intact vs lesioned rate of one neuron, one line per seed, one panel per drive."""
    intact, cut = xr.align(
        rates[network]["rate_hz_out"], rates[lesioned]["rate_hz_out"], join="inner"
    )
    panels = []
    for mode in cut["mode"].values:
        for point in iter_grid_points(cut):
            after = cut.sel(mode=mode, neuron=neuron, **point)
            if after.notnull().any():
                panels.append((point, intact.sel(mode=mode, neuron=neuron, **point), after))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, max(len(panels), 1), figsize=(3 * max(len(panels), 1), 3), squeeze=False
        )
        for ax, (point, a, b) in zip(axes[0], panels, strict=False):
            keep = (a.notnull() & b.notnull()).values
            for x, y in zip(a.values[keep], b.values[keep], strict=True):
                ax.plot([0, 1], [x, y], color=MODE_COLOURS["lesioned"], alpha=0.5, lw=1)
            ax.set_xticks([0, 1], ["intact", "lesioned"])
            ax.set_title(_drive_label(point), fontsize=8)
        axes[0, 0].set_ylabel(f"rate of neuron {neuron} (Hz)")
        fig.tight_layout()
    return fig


#: Most responders a panel of the responders figure shows (the strongest).
SHOWN_RESPONDERS = 40


def _experiment_label(row: dict) -> str:
    return f"{row['network']}: {row['targets']} driven, silenced set {row['silenced']}"


def responders_figure(numbers: xr.Dataset, summary: dict):
    """Each experiment's strongest responders: mean rate and 95 % interval over seeds
    (driven neurons in grey), one panel per experiment."""
    table = numbers[["experiment", "neuron", "mean_rate_hz", "ci95_low_hz",
                     "ci95_high_hz", "responder", "driven"]].to_dataframe()  # fmt: skip
    experiments = summary["points"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(experiments) or 1, 1, figsize=(7, 2.2 * max(len(experiments), 1)), squeeze=False
        )
        for ax, (k, row) in zip(axes[:, 0], enumerate(experiments), strict=False):
            shown = table[(table["experiment"] == k) & (table["responder"] == 1)]
            shown = shown.sort_values(["mean_rate_hz", "neuron"], ascending=[False, True])
            shown = shown.head(SHOWN_RESPONDERS)
            x = np.arange(len(shown))
            colours = np.where(shown["driven"] == 1, "0.6", MODE_COLOURS[row["mode"]])
            ax.bar(x, shown["mean_rate_hz"], color=colours)
            ax.errorbar(
                x,
                shown["mean_rate_hz"],
                yerr=[
                    shown["mean_rate_hz"] - shown["ci95_low_hz"],
                    shown["ci95_high_hz"] - shown["mean_rate_hz"],
                ],
                fmt="none",
                ecolor="black",
                lw=0.6,
            )
            ax.set_xticks(x, shown["neuron"].astype(str), rotation=90, fontsize=5)
            ax.set_ylabel("rate (Hz)")
            ax.set_title(
                f"{_experiment_label(row)}: {row['n_responders']} responders "
                f"({row['downstream_responders']} not driven; grey: driven)",
                fontsize=8,
            )
        axes[-1, 0].set_xlabel("neuron index")
        fig.tight_layout()
    return fig


def silencing_figure(numbers: xr.Dataset, summary: dict):
    """Intact vs silenced rate of each intact responder, one panel per silencing arm."""
    table = numbers[["experiment", "intact_hz", "silenced_hz", "verdict"]].to_dataframe()
    colours = {"drops": "#0072B2", "rises": "#D55E00", "unchanged": "0.6"}
    arms = summary["points"]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, max(len(arms), 1), figsize=(3.2 * max(len(arms), 1), 3.2), squeeze=False
        )
        for ax, (k, row) in zip(axes[0], enumerate(arms), strict=False):
            arm = table[table["experiment"] == k]
            for verdict, colour in colours.items():
                chosen = arm[arm["verdict"] == verdict]
                if len(chosen):
                    ax.scatter(
                        chosen["intact_hz"], chosen["silenced_hz"], s=6, color=colour,
                        label=f"{verdict} ({len(chosen)})",
                    )  # fmt: skip
            top = max(float(arm[["intact_hz", "silenced_hz"]].max().max()), 1.0) if len(arm) else 1
            ax.plot([0, top], [0, top], color="0.3", lw=0.6, ls=":")
            ax.set_xlabel("intact rate (Hz)")
            ax.set_ylabel("silenced rate (Hz)")
            ax.set_title(_experiment_label(row), fontsize=8)
            ax.legend(frameon=False, fontsize=6)
        fig.tight_layout()
    return fig


def equivalence_figure(summary: dict):
    """Mean rate per mode and drive (with CI of the difference), and cost per run."""
    with plt.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(7.5, 3.2))
        for k, row in enumerate(summary["points"]):
            colour = MODE_COLOURS.get(row["mode"], "0.3")
            low, high = row["ci_low_hz"], row["ci_high_hz"]
            left.errorbar(
                k,
                row["difference_hz"],
                yerr=[[row["difference_hz"] - low], [high - row["difference_hz"]]],
                fmt="o",
                color=colour,
            )
            left.plot([k - 0.3, k + 0.3], [row["margin_hz"]] * 2, "k:", lw=1)
            left.plot([k - 0.3, k + 0.3], [-row["margin_hz"]] * 2, "k:", lw=1)
        left.axhline(0, color="0.6", lw=0.8)
        left.set_xticks(
            range(len(summary["points"])),
            [f"{r['mode']}: {_drive_label(r)}" for r in summary["points"]],
            fontsize=6,
            rotation=30,
            ha="right",
        )
        if not summary["points"]:
            left.text(
                0.5,
                0.5,
                "no mode comparison\nwith two or more samples",
                ha="center",
                va="center",
                transform=left.transAxes,
            )
        left.set_ylabel("rate - poisson_input rate (Hz)")
        left.set_title(f"equivalence: {summary['verdict']}", fontsize=9)
        modes = sorted(summary["cost_per_run"])
        cost = summary["cost_per_run"]
        colours = [MODE_COLOURS.get(m, "0.3") for m in modes]
        positions = np.arange(len(modes))
        right.bar(positions - 0.2, [cost[m]["wall_s"] for m in modes], 0.4, color=colours)
        right.set_ylabel("median wall time per run (s)")
        memory = right.twinx()
        memory.bar(
            positions + 0.2,
            [cost[m]["max_rss_mb"] for m in modes],
            0.4,
            color=colours,
            alpha=0.45,
            hatch="//",
        )
        memory.set_ylabel("peak memory (MB, hatched)")
        memory.spines["right"].set_visible(True)
        right.set_xticks(positions, modes, rotation=30, fontsize=7)
        fig.tight_layout()
    return fig


def rates_figure(summary: pd.DataFrame):
    """The driven neurons' mean rate per mode and grid point: a heatmap per network, one
    colour scale for all."""
    networks = sorted(summary["network"].unique())
    vmax = max(float(summary["driven_rate_hz"].max()), 1e-9)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(networks),
            1,
            figsize=(6.5, 1.8 + 1.3 * len(networks)),
            squeeze=False,
            layout="constrained",
        )
        for ax, network in zip(axes[:, 0], networks, strict=True):
            table = summary[summary["network"] == network]
            grid = table.pivot_table(
                index="mode", columns=list(AXIS_NAMES), values="driven_rate_hz", sort=True
            )
            image = ax.imshow(grid.values, aspect="auto", cmap="viridis", vmin=0, vmax=vmax)
            ax.set_yticks(range(len(grid.index)), grid.index)
            varying = _varying(table, AXIS_NAMES)
            ax.set_xticks(
                range(len(grid.columns)),
                [
                    _drive_label(dict(zip(AXIS_NAMES, c, strict=True)), varying)
                    for c in grid.columns
                ],
                fontsize=6,
                rotation=30,
                ha="right",
            )
            ax.set_title(f"{network}: driven neurons")
        fig.colorbar(image, ax=axes[:, 0].tolist(), label="mean rate (Hz)")
    return fig


def tuning_figure(summary: pd.DataFrame):
    """The driven neurons' rate against each swept axis (mean and SD over seeds).

    One row of panels per network, one panel per axis that takes more than one
    value in that network; in a panel, one line per mode and combination of the
    other axes.
    """
    networks = sorted(summary["network"].unique())
    swept = {
        network: [
            axis
            for axis in AXIS_NAMES
            if summary.loc[summary["network"] == network, axis].nunique() > 1
        ]
        or ["rate_hz"]
        for network in networks
    }
    columns = max(len(axes) for axes in swept.values())
    with plt.rc_context(STYLE):
        fig, panels = plt.subplots(
            len(networks),
            columns,
            figsize=(3.2 * columns, 2.6 * len(networks)),
            squeeze=False,
            layout="constrained",
        )
        for row, network in enumerate(networks):
            table = summary[summary["network"] == network]
            for column, ax in enumerate(panels[row]):
                if column >= len(swept[network]):
                    ax.set_visible(False)
                    continue
                axis = swept[network][column]
                others = [name for name in swept[network] if name != axis]
                for (mode, *rest), line in table.groupby(["mode", *others], sort=True):
                    line = line.sort_values(axis)
                    values = zip(others, rest, strict=True)
                    label = ", ".join([mode, *(f"{n}={_value(v)}" for n, v in values)])
                    ax.errorbar(
                        line[axis],
                        line["driven_rate_hz"],
                        yerr=line["driven_rate_sd_hz"].fillna(0),
                        marker="o",
                        ms=3,
                        lw=1,
                        capsize=2,
                        color=MODE_COLOURS.get(mode, "0.3"),
                        label=label,
                    )
                ax.set_xlabel(axis)
                ax.set_ylabel("driven rate (Hz)" if column == 0 else "")
                ax.set_title(network, fontsize=8)
                if len(ax.get_legend_handles_labels()[1]) <= 8:
                    ax.legend(frameon=False, fontsize=5)
    return fig


class FigureInputs:
    """The stored files a figure is drawn from, opened on demand.

    ``spikes_path``, ``rates_path`` and ``summary_path`` are the study's
    ``spikes.nc``, ``rates.nc`` and ``summary.csv``; ``analysis_dir`` holds the
    analyses' ``{name}.json`` and ``{name}.nc``; ``delay_ms`` and ``bin_ms`` are
    the synaptic delay and the raster's rate bins.
    """

    def __init__(
        self, spikes_path, rates_path, summary_path, analysis_dir, delay_ms: float, bin_ms: float
    ):
        self.spikes_path, self.rates_path = spikes_path, rates_path
        self.summary_path, self.analysis_dir = summary_path, Path(analysis_dir)
        self.delay_ms, self.bin_ms = delay_ms, bin_ms

    def summary(self, analysis: str) -> dict:
        return json.loads((self.analysis_dir / f"{analysis}.json").read_text())

    def numbers(self, analysis: str) -> xr.Dataset:
        with xr.open_dataset(self.analysis_dir / f"{analysis}.nc") as numbers:
            return numbers.load()

    def rates(self) -> xr.DataTree:
        with xr.open_datatree(self.rates_path) as rates:
            return rates.load()

    def summary_table(self) -> pd.DataFrame:
        """Rates per network, mode and point (``summary.csv``, see
        :func:`~spikesweep.report.tables.point_summary`)."""
        return pd.read_csv(self.summary_path)


def _raster(files: FigureInputs):
    with xr.open_dataset(files.spikes_path) as opened:
        spikes = SpikeDataset.from_xarray(opened)
        first = next(spikes.run_rows())[0]
        point = {name: first[name] for name in AXIS_NAMES}
        return raster_figure(spikes, first["network"], point, first["seed"], files.bin_ms)


def _inhibition(files: FigureInputs):
    target = next(row for row in files.summary("inhibition")["points"] if row["inhibitory_input"])
    network = target["network"]
    return inhibition_figure(files.rates(), network, network + LESIONED_SUFFIX, target["neuron"])


#: Figure name -> its drawing function of :class:`FigureInputs`.
DRAWERS = {
    "raster": _raster,
    "rates": lambda files: rates_figure(files.summary_table()),
    "tuning": lambda files: tuning_figure(files.summary_table()),
    "independence": lambda files: independence_figure(files.summary("independence")),
    "equivalence": lambda files: equivalence_figure(files.summary("equivalence")),
    "input_scaling": lambda files: input_scaling_figure(files.summary("input_scaling")),
    "propagation": lambda files: propagation_figure(files.numbers("propagation"), files.delay_ms),
    "inhibition": _inhibition,
    "responders": lambda files: responders_figure(
        files.numbers("responders"), files.summary("responders")
    ),
    "silencing": lambda files: silencing_figure(
        files.numbers("silencing"), files.summary("silencing")
    ),
}


def draw_figure(name: str, files: FigureInputs):
    """Draw figure ``name`` (a key of :data:`DRAWERS`) from a study's stored files."""
    if name not in DRAWERS:
        raise KeyError(f"Unknown figure {name!r}; expected one of {sorted(DRAWERS)}.")
    return DRAWERS[name](files)
