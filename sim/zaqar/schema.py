"""Validation of pool documents, with the error text Zaqar's jsonschema gives.

Why: a ``PUT``/``PATCH /v2/pools/{name}`` with a bad body answers 400 whose description is
``"{ex.args}: {ex}"`` of a jsonschema ``ValidationError`` (samples 15, 17, 32). The console shows
that text, so the simulator rebuilds it byte for byte for the keywords Zaqar's pool schemas use
(type, minimum, maximum, maxLength, required, additionalProperties). No jsonschema dependency.
"""

from __future__ import annotations

import pprint

from msgops.sim.zaqar.common import bad_body

WEIGHT = {"type": "integer", "minimum": 0, "maximum": 4294967295}
FLAVOR = {"type": "string", "minLength": 0, "maxLength": 255}
URI = {"type": "string", "minLength": 0, "maxLength": 255, "format": "uri"}
OPTIONS = {"type": "object"}
PROPERTIES = {"weight": WEIGHT, "flavor": FLAVOR, "uri": URI, "options": OPTIONS}
CREATE = {"type": "object", "properties": PROPERTIES, "required": ["uri", "weight"],
          "additionalProperties": False}
PATCH_FIELDS = ("weight", "uri", "flavor", "options")

_TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _pretty(thing) -> str:
    return "\n    ".join(pprint.pformat(thing, width=72, sort_dicts=False).splitlines())


def _error(message: str, validator: str, schema: dict, instance, prop: str | None):
    """Zaqar's 400 for one jsonschema error (``prop``: the failing property, None for the root)."""
    spath = "schema" if prop is None else f"schema['properties'][{prop!r}]"
    ipath = "instance" if prop is None else f"instance[{prop!r}]"
    full = (f"{message}\n\nFailed validating {validator!r} in {spath}:\n    {_pretty(schema)}"
            f"\n\nOn {ipath}:\n    {_pretty(instance)}")
    return bad_body(f"({message!r}, <unset>, (), None, (), <unset>, <unset>, <unset>, (), None): "
                    f"{full}")


def _check_value(schema: dict, value, prop: str | None):
    """The first error of ``value`` against a leaf schema, in jsonschema's keyword order."""
    kind = schema["type"]
    if not _TYPES[kind](value):
        return _error(f"{value!r} is not of type {kind!r}", "type", schema, value, prop)
    if kind == "integer":
        if value < schema["minimum"]:
            return _error(f"{value!r} is less than the minimum of {schema['minimum']!r}",
                          "minimum", schema, value, prop)
        if value > schema["maximum"]:
            return _error(f"{value!r} is greater than the maximum of {schema['maximum']!r}",
                          "maximum", schema, value, prop)
    if kind == "string" and len(value) > schema["maxLength"]:
        return _error(f"{value!r} is too long", "maxLength", schema, value, prop)
    return None


def check_create(doc) -> None:
    """Raise the 400 of ``PUT /v2/pools/{name}`` for an invalid body (root errors win, like
    jsonschema's ``best_match``: required in schema order, then additional properties)."""
    if not isinstance(doc, dict):
        raise _error(f"{doc!r} is not of type 'object'", "type", CREATE, doc, None)
    for name in CREATE["required"]:
        if name not in doc:
            raise _error(f"{name!r} is a required property", "required", CREATE, doc, None)
    extra = [k for k in doc if k not in PROPERTIES]
    if extra:
        names = ", ".join(repr(k) for k in extra)
        verb = "was" if len(extra) == 1 else "were"
        raise _error(f"Additional properties are not allowed ({names} {verb} unexpected)",
                     "additionalProperties", CREATE, doc, None)
    for name, schema in PROPERTIES.items():
        if name in doc:
            err = _check_value(schema, doc[name], name)
            if err:
                raise err


def check_patch(doc) -> None:
    """Raise the 400s of ``PATCH /v2/pools/{name}``: nothing known to change, or a bad field.

    Zaqar's per-field patch schemas carry no working ``additionalProperties``, so unknown keys next
    to a known one pass."""
    if not isinstance(doc, dict) or not any(f in doc for f in PATCH_FIELDS):
        raise bad_body("One of `uri`, `weight`, `flavor`, or `options` needs to be specified")
    for name in PATCH_FIELDS:
        if name in doc:
            err = _check_value(PROPERTIES[name], doc[name], name)
            if err:
                raise err
