"""JSON Schema → the OpenAPI-3.0 subset Gemini's ``Schema`` message accepts.

Gemini's ``Schema`` (``responseSchema``, ``FunctionDeclaration.parameters``)
knows ``type`` (upper-case enum), ``format``, ``title``, ``description``,
``nullable``, ``enum`` (strings), ``items``, ``minItems``/``maxItems``,
``properties``, ``required``, ``minProperties``/``maxProperties``,
``minimum``/``maximum``, ``minLength``/``maxLength``, ``pattern``,
``example``, ``anyOf``, ``propertyOrdering`` and ``default``.

Local ``$ref``s are inlined, ``["x", "null"]`` and ``anyOf [x, null]`` become
``nullable``, ``const`` becomes a one-value ``enum``. What has no equivalent
(recursive references, ``allOf`` with several members, ``not``, tuples,
``patternProperties``, map-like ``additionalProperties``, non-string enums)
raises :class:`~llmkit.errors.NotSupportedError` naming the JSON path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.errors import NotSupportedError

_TYPES = {
    "string": "STRING",
    "number": "NUMBER",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "array": "ARRAY",
    "object": "OBJECT",
    "null": "NULL",
}

# Keywords copied unchanged (same name, same meaning).
_COPIED = (
    "format",
    "title",
    "description",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "default",
    "propertyOrdering",
)

# Annotations with no effect on the shape of the output: dropped.
_IGNORED = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "examples",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentMediaType",
        "contentEncoding",
        "strict",
        "discriminator",
    }
)

_UNSUPPORTED = (
    "not",
    "if",
    "then",
    "else",
    "prefixItems",
    "patternProperties",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "propertyNames",
    "contains",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "uniqueItems",
)


def to_gemini_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a JSON schema (e.g. ``Model.model_json_schema()``) to a Gemini ``Schema``."""
    return _Converter(schema).convert(schema, "$", ())


class _Converter:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def _fail(self, path: str, what: str) -> NotSupportedError:
        return NotSupportedError(
            f"Gemini's response/parameter schema cannot express {what} (at {path}); "
            "simplify the schema, or pass gemini_json_schema=True to send it as responseJsonSchema"
        )

    def _resolve(self, ref: str, path: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise self._fail(path, f"the non-local $ref {ref!r}")
        node: Any = self.root
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or token not in node:
                raise self._fail(path, f"the unresolvable $ref {ref!r}")
            node = node[token]
        if not isinstance(node, Mapping):
            raise self._fail(path, f"the $ref {ref!r} (it does not point at a schema)")
        return node

    def convert(self, node: Mapping[str, Any], path: str, seen: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(node, Mapping):
            raise self._fail(path, "a boolean schema")
        if "$ref" in node:
            ref = str(node["$ref"])
            if ref in seen:
                raise self._fail(path, f"the recursive $ref {ref!r}")
            target = dict(self._resolve(ref, path))
            # Sibling keywords of a $ref (description, ...) win over the target's.
            target.update({k: v for k, v in node.items() if k != "$ref"})
            return self.convert(target, path, (*seen, ref))
        for key in _UNSUPPORTED:
            if key in node:
                raise self._fail(path, f"the {key!r} keyword")

        node = self._flatten_all_of(node, path)
        out: dict[str, Any] = {}
        nullable = bool(node.get("nullable"))

        variants = node.get("anyOf", node.get("oneOf"))
        if variants is not None:
            members = [v for v in variants if not (isinstance(v, Mapping) and v.get("type") == "null")]
            nullable = nullable or len(members) < len(variants)
            if len(members) == 1:
                rest = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
                inner = self.convert({**members[0], **rest}, path, seen)
                if nullable:
                    inner["nullable"] = True
                return inner
            out["anyOf"] = [self.convert(m, f"{path}.anyOf[{i}]", seen) for i, m in enumerate(members)]

        type_ = node.get("type")
        if isinstance(type_, list):
            kinds = [t for t in type_ if t != "null"]
            nullable = nullable or len(kinds) < len(type_)
            if len(kinds) > 1:
                rest = {k: v for k, v in node.items() if k != "type"}
                out["anyOf"] = [self.convert({**rest, "type": t}, f"{path}<{t}>", seen) for t in kinds]
                if nullable:
                    out["nullable"] = True
                return out
            type_ = kinds[0] if kinds else "null"
        if "const" in node:
            node = {**node, "enum": [node["const"]]}
            type_ = type_ or _json_type(node["const"], path, self)
        if type_ is None and "enum" in node:
            type_ = "string"
        if type_ is None and ("properties" in node):
            type_ = "object"
        if type_ is not None:
            if type_ not in _TYPES:
                raise self._fail(path, f"the type {type_!r}")
            out["type"] = _TYPES[type_]

        if "enum" in node:
            values = list(node["enum"])
            if not all(isinstance(v, str) for v in values):
                raise self._fail(path, "an enum with non-string values")
            out["enum"] = values
            out.setdefault("type", "STRING")
            if out["type"] != "STRING":
                raise self._fail(path, f"an enum of type {type_!r}")

        for key in _COPIED:
            if key in node:
                out[key] = node[key]
        if "example" in node:
            out["example"] = node["example"]

        if "items" in node:
            items = node["items"]
            if isinstance(items, list):
                raise self._fail(path, "tuple-style 'items'")
            out["items"] = self.convert(items, f"{path}[]", seen)
        if "properties" in node:
            props: Mapping[str, Any] = node["properties"]
            out["properties"] = {
                name: self.convert(sub, f"{path}.{name}", seen) for name, sub in props.items()
            }
        if "required" in node:
            out["required"] = list(node["required"])
        extra = node.get("additionalProperties")
        if extra is not None and extra is not False:
            # ``true`` or a schema: a map with free keys, which Schema cannot describe.
            raise self._fail(path, "'additionalProperties' (an object with free-form keys)")

        unknown = set(node) - _KNOWN
        if unknown:
            raise self._fail(path, f"the keyword(s) {', '.join(sorted(unknown))}")
        if nullable:
            out["nullable"] = True
        return out

    def _flatten_all_of(self, node: Mapping[str, Any], path: str) -> Mapping[str, Any]:
        all_of = node.get("allOf")
        if all_of is None:
            return node
        if len(all_of) != 1:
            raise self._fail(path, "'allOf' with more than one member")
        member = all_of[0]
        if isinstance(member, Mapping) and "$ref" in member:
            member = self._resolve(str(member["$ref"]), path)
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return {**member, **rest}


def _json_type(value: Any, path: str, conv: _Converter) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    raise conv._fail(path, f"the const {value!r}")


_KNOWN = frozenset(
    {
        "type",
        "enum",
        "const",
        "items",
        "properties",
        "required",
        "additionalProperties",
        "anyOf",
        "oneOf",
        "nullable",
        "example",
        *_COPIED,
        *_IGNORED,
    }
)
