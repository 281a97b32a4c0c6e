"""Load an accelerator spec from YAML, a SCALE-Sim .cfg or a preset name; apply --set overrides.

``compute.pe`` is one section per PE type (hwsim/pe/<type>_spec.py), chosen by its ``type``: a
key is looked up in the section of the PE type in effect, so a key of another PE type is refused
the same way from YAML, from ``--set`` and from ``hwsim.evaluate`` points. Changing the PE type
(``--set compute.pe.type=lut``, or a points column) replaces the PE: the base spec's keys that the
new type does not have described the old PE and are dropped; keys given with the change must
belong to the new type.
"""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from hwsim import presets
from hwsim.arch.scalesim_cfg import cfg_to_spec_dict
from hwsim.arch.spec import AcceleratorSpec
from hwsim.errors import HwsimInputError
from hwsim.pe import PE_TYPES
from hwsim.pe.spec_base import FieldRange, Refused
from hwsim.yamlio import load_yaml_file, parse_yaml_value

PE_PATH = ("compute", "pe")


def _submodels(annotation) -> list[type[BaseModel]]:
    """The models a field holds: one, ``Model | None`` (optional sections such as pim), or every
    section of a discriminated union (compute.pe)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _submodels(arg)
    return found


def _models_at(path: tuple[str, ...], pe_type: str | None = None) -> list[type[BaseModel]]:
    """The models at ``path`` (several for compute.pe unless ``pe_type`` picks one)."""
    models: list[type[BaseModel]] = [AcceleratorSpec]
    for key in path:
        nxt = []
        for model in models:
            field = model.model_fields.get(key)
            if field is not None:
                nxt += [m for m in _submodels(field.annotation) if m not in nxt]
        models = nxt
        if not models:
            return []
    if pe_type is not None and path == PE_PATH:
        models = [m for m in models if getattr(m, "TYPE", None) == pe_type]
    return models


def pe_keys(pe_type: str) -> list[str]:
    return list(PE_TYPES[pe_type].model_fields)


def _allowed_keys(path: tuple[str, ...], pe_type: str | None = None) -> str:
    keys: list[str] = []
    for model in _models_at(path, pe_type):
        keys += [k for k in model.model_fields if k not in keys]
    return ", ".join(keys)


def spec_key_exists(key: str) -> bool:
    """A dotted key some spec section has (compute.pe.<key>: some PE type's section)."""
    path = tuple(part.strip() for part in key.split("."))
    return any(path[-1] in m.model_fields for m in _models_at(path[:-1]))


def field_info(key: str) -> FieldInfo | None:
    """The spec field behind a dotted key (compute.pe keys: the first PE section that has it)."""
    path = tuple(key.split("."))
    for model in _models_at(path[:-1]):
        if path[-1] in model.model_fields:
            return model.model_fields[path[-1]]
    return None


def field_range(key: str) -> FieldRange:
    """The limits the spec declares on ``key`` (``Field(gt=, ge=, lt=, le=)`` and its reason):
    one definition for YAML, ``--set`` and the array keys of ``hwsim.evaluate``."""
    info = field_info(key)
    if info is None:
        raise KeyError(key)
    bounds: dict[str, Any] = {}
    for item in info.metadata:
        for name in ("gt", "ge", "lt", "le"):
            if getattr(item, name, None) is not None:
                bounds[name] = float(getattr(item, name))
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    integer = int in typing.get_args(info.annotation) or info.annotation is int
    return FieldRange(
        low=bounds.get("ge", bounds.get("gt", -math.inf)), low_inclusive="gt" not in bounds,
        high=bounds.get("le", bounds.get("lt", math.inf)), high_inclusive="lt" not in bounds,
        integer=integer, reason=extra.get("limit"))


def _pe_type_of(data: Any) -> str | None:
    node = data
    for part in (*PE_PATH, "type"):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node if isinstance(node, str) else None


def _replace_pe_type(data: dict, new_type: Any, keep: set[str]) -> None:
    """A changed compute.pe.type replaces the PE: keys of the old section that the new type does
    not have are dropped, except those given with the change (``keep``), which are then checked
    against the new type."""
    pe = data.get("compute", {}).get("pe") if isinstance(data.get("compute"), dict) else None
    if not isinstance(pe, dict) or not isinstance(new_type, str) or pe.get("type") == new_type \
            or new_type not in PE_TYPES:
        return
    allowed = set(PE_TYPES[new_type].model_fields)
    for key in list(pe):
        if key not in allowed and key not in keep:
            del pe[key]


def spec_from_overrides(base: AcceleratorSpec, overrides: dict[str, Any], source: str) -> AcceleratorSpec:
    """``base`` with dotted-key values replaced (already parsed values, not YAML text), validated."""
    data = base.model_dump(by_alias=True, exclude_unset=True)
    pe_type = overrides.get("compute.pe.type")
    if pe_type is not None:
        _replace_pe_type(data, pe_type, {k.split(".")[-1] for k in overrides if k.startswith("compute.pe.")})
    for key, value in overrides.items():
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return validate_spec(data, source)


def _unknown_pe_key(key: str, pe_type: str, source: str, field: str) -> HwsimInputError:
    owners = [t for t, section in PE_TYPES.items() if key in section.model_fields]
    where = f" (a {' and '.join(owners)} PE key)" if owners else ""
    return HwsimInputError(f"'{key}' is not a key of a {pe_type} PE{where}", source=source, field=field,
                           allowed=", ".join(pe_keys(pe_type)))


def apply_overrides(data: dict, overrides: list[str], source: str) -> dict:
    """``dotted.key=value`` overrides; the value is read as YAML (numbers, strings, lists)."""
    parsed = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise HwsimInputError(f"--set '{item}' is not key=value", allowed="dotted.key=value, e.g. compute.rows=64")
        path = tuple(part.strip() for part in key.split("."))
        if not spec_key_exists(".".join(path)):
            parent = path[:-1]
            while parent and not _models_at(parent):
                parent = parent[:-1]
            pe_type = _pe_type_of(data) if parent == PE_PATH else None
            if pe_type in PE_TYPES:
                raise _unknown_pe_key(path[-1], pe_type, source, ".".join(path))
            raise HwsimInputError(f"--set: no field '{key}'", source=source,
                                  allowed=", ".join(".".join((*parent, k)) for k in _allowed_keys(parent).split(", ")))
        try:
            parsed.append((path, parse_yaml_value(raw)))
        except HwsimInputError as exc:   # a value nested past any spec's depth
            raise HwsimInputError(exc.args[0], source=source, field=".".join(path)) from None
    new_types = [value for path, value in parsed if path == (*PE_PATH, "type")]
    if new_types:
        _replace_pe_type(data, new_types[-1], {path[-1] for path, _ in parsed if path[:-1] == PE_PATH})
    for path, value in parsed:
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise HwsimInputError(f"--set: '{part}' is not a section", source=source, field=".".join(path))
        node[path[-1]] = value
    return data


def _clean_loc(loc: tuple) -> tuple[str, ...]:
    """The error's location as spec keys: the union's tag (compute.pe.<type>.key) left out."""
    out: list[str] = []
    for part in loc:
        part = str(part)
        if tuple(out) == PE_PATH and part in PE_TYPES:
            continue
        out.append(part)
    return tuple(out)


def _range_reason(field: str) -> str | None:
    try:
        return field_range(field).reason
    except KeyError:
        return None


def validate_spec(data: Any, source: str) -> AcceleratorSpec:
    if not isinstance(data, dict):
        raise HwsimInputError("an accelerator spec must be a mapping of keys", source=source,
                              allowed=", ".join(AcceleratorSpec.model_fields))
    try:
        return AcceleratorSpec.model_validate(data)
    except ValidationError as exc:
        raise _one_error(exc, data, source) from None


def _one_error(exc: ValidationError, data: Any, source: str) -> HwsimInputError:
    errors = exc.errors()
    # a misspelt key also leaves its correct key missing: name the unknown key first
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = _clean_loc(err["loc"])
    field = ".".join(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        pe_type = _pe_type_of(data)
        if loc[:-1] == PE_PATH and pe_type in PE_TYPES:
            return _unknown_pe_key(loc[-1], pe_type, source, field)
        return HwsimInputError(f"unknown key '{loc[-1]}'", source=source, field=field,
                               allowed=_allowed_keys(loc[:-1]))
    if kind == "missing":
        return HwsimInputError("required key is missing", source=source, field=field)
    if kind == "union_tag_not_found":
        return HwsimInputError("required key is missing", source=source, field=f"{field}.type",
                               allowed=", ".join(PE_TYPES))
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        return HwsimInputError(f"'{tag}' is not a PE type", source=source, field=f"{field}.type",
                               allowed=", ".join(PE_TYPES))
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, Refused):
        where = ".".join(p for p in (field, cause.field) if p)
        return HwsimInputError(cause.message, source=source, field=where or None, allowed=cause.allowed)
    message = err["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    if kind == "literal_error":
        message = f"'{err.get('input')}' is not allowed; {message.lower()}"
    elif "input" in err and not isinstance(err["input"], dict):
        message = f"{message} (got {err['input']!r})"
    allowed = _range_reason(field) if kind in ("greater_than", "greater_than_equal", "less_than",
                                               "less_than_equal") else None
    if kind in ("greater_than", "greater_than_equal"):
        # the field's reason may speak of its ceiling only: the floor broken comes first
        ctx = err.get("ctx", {})
        floor = f"> {ctx['gt']}" if "gt" in ctx else f">= {ctx.get('ge')}"
        allowed = floor if not allowed else f"{floor}; {allowed}"
    return HwsimInputError(message, source=source, field=field or None, allowed=allowed)


def load_spec(name_or_path: str, overrides: list[str] | None = None) -> tuple[AcceleratorSpec, Path]:
    """The validated spec and the file it came from."""
    path = presets.resolve(name_or_path, presets.accelerator_presets(), "accelerator")
    if overrides is not None and (isinstance(overrides, (str, bytes)) or not isinstance(overrides, (list, tuple))
                                  or not all(isinstance(item, str) for item in overrides)):
        raise HwsimInputError(f"{overrides!r} is not a list of overrides", field="overrides",
                              allowed="a list of 'dotted.key=value' strings, e.g. ['compute.rows=64']")
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
