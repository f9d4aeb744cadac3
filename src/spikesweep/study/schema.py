"""The config's structural check against ``config/schema.yaml``, reported in a few lines.

Snakemake's own ``validate`` (which also fills in the schema's defaults) reports
a violation with the whole schema and config, hundreds of lines in which the
offending key is hard to find. :func:`check_schema` runs first and reports the
one most relevant violation (jsonschema's ``best_match``): the key's dotted
path, the value, what the schema expects, and for an unknown key the closest
allowed one.
"""

import difflib
from pathlib import Path

import jsonschema
import yaml

from spikesweep.errors import ConfigError

__all__ = ["check_schema"]

#: Longest value shown in a message (characters of its repr).
_SHOWN = 120


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _key(path) -> str:
    return ".".join(str(part) for part in path)


def _message(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    where = f"'{key}'" if key else "the config"
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        lines = []
        for name in unknown:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            lines.append(f"'{_key([*error.absolute_path, name])}': unknown key{hint}.")
        return " ".join(lines) + f" Allowed in {where}: {allowed}."
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        name = missing[0]
        about = schema.get("properties", {}).get(name, {}).get("description", "")
        about = f" ({' '.join(about.split())})" if about else ""
        return f"'{_key([*error.absolute_path, name])}' is required{about}, missing from {where}."
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    expected = f" ({' '.join(description.split())})" if description else ""
    if error.validator in (
        "type",
        "enum",
        "minimum",
        "exclusiveMinimum",
        "maximum",
        "exclusiveMaximum",
        "pattern",
        "const",
        "minItems",
        "uniqueItems",
    ):
        return f"{where}: got {_shown(error.instance)}: {_reason(error)}{expected}."
    return f"{where}: got {_shown(error.instance)}, which {_reason(error)}{expected}."


def _reason(error: jsonschema.ValidationError) -> str:
    """What the schema asks, without jsonschema's repeat of the value."""
    text = error.message
    shown = repr(error.instance)
    if text.startswith(shown):
        text = text[len(shown) :].strip()
    return text if len(text) <= 2 * _SHOWN else text[: 2 * _SHOWN - 3] + "..."


def check_schema(config: dict, schema_path: str | Path) -> None:
    """Check ``config`` against the JSON schema at ``schema_path``.

    Raises
    ------
    ConfigError
        For the most relevant violation, in a sentence or two naming the key.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise ConfigError(_message(error))
