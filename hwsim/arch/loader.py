"""Load an accelerator spec from YAML, a SCALE-Sim .cfg or a preset name; apply --set overrides."""

from __future__ import annotations

import typing

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from hwsim import presets
from hwsim.arch.scalesim_cfg import cfg_to_spec_dict
from hwsim.arch.spec import AcceleratorSpec
from hwsim.errors import HwsimInputError
from hwsim.yamlio import load_yaml_file


def _submodel(annotation) -> type[BaseModel] | None:
    """The model a field holds, also through ``Model | None`` (optional sections such as pim)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _model_at(model: type[BaseModel], path: tuple[str, ...]) -> type[BaseModel] | None:
    for key in path:
        field = model.model_fields.get(key)
        sub = None if field is None else _submodel(field.annotation)
        if sub is None:
            return None
        model = sub
    return model


def _allowed_keys(path: tuple[str, ...]) -> str:
    model = _model_at(AcceleratorSpec, path)
    return ", ".join(model.model_fields) if model else ""


def spec_key_exists(key: str) -> bool:
    path = tuple(part.strip() for part in key.split("."))
    model = _model_at(AcceleratorSpec, path[:-1])
    return model is not None and path[-1] in model.model_fields


def spec_from_overrides(base: AcceleratorSpec, overrides: dict[str, Any], source: str) -> AcceleratorSpec:
    """``base`` with dotted-key values replaced (already parsed values, not YAML text), validated."""
    data = base.model_dump(by_alias=True)
    for key, value in overrides.items():
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return validate_spec(data, source)


def apply_overrides(data: dict, overrides: list[str], source: str) -> dict:
    """``dotted.key=value`` overrides; the value is read as YAML (numbers, strings, lists)."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise HwsimInputError(f"--set '{item}' is not key=value", allowed="dotted.key=value, e.g. compute.rows=64")
        path = tuple(part.strip() for part in key.split("."))
        model = _model_at(AcceleratorSpec, path[:-1])
        if model is None or path[-1] not in model.model_fields:
            parent = path[:-1]
            while parent and _model_at(AcceleratorSpec, parent) is None:
                parent = parent[:-1]
            raise HwsimInputError(f"--set: no field '{key}'", source=source,
                                  allowed=", ".join(".".join((*parent, k)) for k in _allowed_keys(parent).split(", ")))
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise HwsimInputError(f"--set: '{part}' is not a section", source=source, field=key)
        node[path[-1]] = value
    return data


def validate_spec(data: Any, source: str) -> AcceleratorSpec:
    if not isinstance(data, dict):
        raise HwsimInputError("an accelerator spec must be a mapping of keys", source=source,
                              allowed=", ".join(AcceleratorSpec.model_fields))
    try:
        return AcceleratorSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # a misspelt key also leaves its correct key missing: name the unknown key first
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(str(p) for p in err["loc"])
        field = ".".join(loc)
        if err["type"] == "extra_forbidden":
            raise HwsimInputError(f"unknown key '{loc[-1]}'", source=source, field=field,
                                  allowed=_allowed_keys(loc[:-1])) from None
        if err["type"] == "missing":
            raise HwsimInputError("required key is missing", source=source, field=field) from None
        message = err["msg"]
        if err["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        if err["type"] == "literal_error":
            message = f"'{err.get('input')}' is not allowed; {message.lower()}"
        elif "input" in err and not isinstance(err["input"], dict):
            message = f"{message} (got {err['input']!r})"
        raise HwsimInputError(message, source=source, field=field or None) from None


def load_spec(name_or_path: str, overrides: list[str] | None = None) -> tuple[AcceleratorSpec, Path]:
    """The validated spec and the file it came from."""
    path = presets.resolve(name_or_path, presets.accelerator_presets(), "accelerator")
    if path.suffix.lower() == ".cfg":
        base_path = presets.resolve(presets.DEFAULT_ACCELERATOR, presets.accelerator_presets(), "accelerator")
        data = cfg_to_spec_dict(path, load_yaml_file(base_path))
    elif path.suffix.lower() in (".yaml", ".yml"):
        data = load_yaml_file(path)
    else:
        raise HwsimInputError("unsupported accelerator file type", source=str(path),
                              allowed=".yaml, .yml, SCALE-Sim .cfg, or a preset name")
    if overrides:
        if not isinstance(data, dict):
            raise HwsimInputError("an accelerator spec must be a mapping of keys", source=str(path))
        had_pim = isinstance(data.get("pim"), dict)
        data = apply_overrides(data, overrides, str(path))
        pim_keys = [o.partition("=")[0].strip() for o in overrides if o.strip().startswith("pim.")]
        if pim_keys and not had_pim:
            raise HwsimInputError(f"--set {pim_keys[0]}: this accelerator has no PIM units", source=str(path),
                                  field=pim_keys[0], allowed="a PIM design (compute.kind: pim with a pim section, "
                                                             "e.g. hbm-pim, pimsimulator-hbm2)")
    return validate_spec(data, str(path)), path
