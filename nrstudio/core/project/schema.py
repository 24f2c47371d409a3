"""JSON Schemas of the JSON members of a project file (format v2, docs/project-format.md)."""

from __future__ import annotations

from typing import Any

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_MEMBER = (
    "^(dataset|models|results|images)/[A-Za-z0-9_.-]{1,120}$"
)

MANIFEST: dict[str, Any] = {
    "type": "object",
    "required": ["format", "format_version", "app_version", "created", "modified", "members"],
    "properties": {
        "format": {"const": "nrproj"},
        "format_version": {"type": "integer", "minimum": 0},
        "app_version": {"type": "string", "maxLength": 64},
        "created": {"type": "string", "maxLength": 64},
        "modified": {"type": "string", "maxLength": 64},
        "members": {
            "type": "object",
            "maxProperties": 10000,
            "propertyNames": {"pattern": "^(project\\.json|" + _MEMBER[1:-1] + ")$"},
            "additionalProperties": {
                "type": "object",
                "required": ["sha256", "size"],
                "properties": {"sha256": _SHA256, "size": {"type": "integer", "minimum": 0}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

_COLUMN = {
    "type": "object",
    "required": ["name", "role", "unit", "kind", "non_negative"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 500},
        "role": {"enum": ["sample_id", "input", "target", "ignored"]},
        "unit": {"type": "string", "maxLength": 50},
        "kind": {"enum": ["number", "text", "category"]},
        "non_negative": {"type": ["boolean", "null"]},
    },
    "additionalProperties": False,
}

PROJECT: dict[str, Any] = {
    "type": "object",
    "required": ["notes", "settings", "columns", "models", "results", "images"],
    "properties": {
        "notes": {"type": "string"},
        "settings": {"type": "object"},
        "columns": {"type": "array", "items": _COLUMN, "maxItems": 1000},
        "models": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "member", "meta"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "member": {"type": "string", "pattern": "^models/m[0-9]{4}\\.safetensors$"},
                    "meta": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "member"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "member": {"type": "string", "pattern": "^results/r[0-9]{4}\\.json$"},
                },
                "additionalProperties": False,
            },
        },
        "images": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "sample_id", "filename", "member", "nm_per_px", "meta"],
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": 100},
                    "sample_id": {"type": "string", "maxLength": 200},
                    "filename": {"type": "string", "minLength": 1, "maxLength": 255},
                    "member": {"type": "string", "pattern": "^images/i[0-9]{4}\\.[a-z0-9]{1,5}$"},
                    "nm_per_px": {"type": ["number", "null"], "exclusiveMinimum": 0},
                    "meta": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
