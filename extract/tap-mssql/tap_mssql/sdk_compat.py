"""Small adapters around singer-sdk internals (pinned to singer-sdk 0.54.9)."""

from __future__ import annotations

import copy
import dataclasses
import typing as t

from singer_sdk.singerlib import Schema


class AnnotatedSchema(Schema):
    """A ``Schema`` whose ``to_dict()`` returns the original dict unchanged.

    singer-sdk's ``Schema`` model keeps only the JSON-schema keys it knows, which
    would drop the ``x-mssql-*`` annotations from the catalog and from SCHEMA
    messages (the mapper registers streams from ``entry.schema.to_dict()``).
    """

    _raw: dict[str, t.Any]

    @classmethod
    def wrap(cls, raw: dict[str, t.Any]) -> AnnotatedSchema:
        """Build from a schema dict, remembering every key of it."""
        base = Schema.from_dict(raw)
        schema = cls(
            **{
                field.name: getattr(base, field.name)
                for field in dataclasses.fields(base)
                if field.init
            }
        )
        schema._raw = copy.deepcopy(raw)
        return schema

    def to_dict(self) -> dict[str, t.Any]:
        """The schema dict, annotations included."""
        return copy.deepcopy(self._raw)
