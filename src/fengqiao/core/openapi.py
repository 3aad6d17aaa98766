"""The OpenAPI document describes the errors every operation can answer, not only its success (issue 19).

drf-spectacular documents an operation's success and the error codes a view names in `extend_schema`,
usually without a body. Every operation of the API can also answer:

- 400: bad input (a field's error, a NUL byte in the query, a filter value of the wrong type);
- 401: no credentials, or a token unknown, expired or revoked;
- 403: the role or the station/community scope does not allow it (and a failed CSRF check);
- 404: no such record in the user's scope, or a page past the last;
- 405: (writes) a method the endpoint does not take, such as a create of records the system makes;
- 409: (DELETE) the record is still referenced by others;
- 429: only where the view rate-limits: `throttle_classes`, or the view's `rate_limited_actions`
  for a limit counted inside an action (the person list's search by number); with Retry-After.

`ErrorAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds each code an operation lacks, and
gives every error response without a body the project's JSON error body: `{"detail": "…"}`, or for a
400 the field errors `{"field": ["…"]}` (or a list of messages) that DRF's validation answers.
"""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "错误说明",
        "properties": {"detail": {"type": "string", "description": "中文说明"}},
        "required": ["detail"],
    },
)
VALIDATION_ERROR = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={
        "description": (
            '输入有误:`{"detail": "…"}`,或按字段给出的说明 `{"字段": ["…"]}`,或说明列表;'
            "未写入任何数据"
        ),
        "oneOf": [
            {"type": "object", "additionalProperties": {}},
            {"type": "array", "items": {"type": "string"}},
        ],
    },
)

RETRY_AFTER = {
    "description": "再次请求前应等待的秒数",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}

DESCRIPTIONS = {
    "400": "输入有误:中文说明,未写入任何数据",
    "401": "未登录,或令牌无效、已过期、已吊销",
    "403": "无权操作(角色不允许,或记录不在您的范围)",
    "404": "记录不存在或不在您的可见范围",
    "405": "该接口不接受此方法",
    "409": "记录仍被其他记录引用,未删除",
    "429": "请求过于频繁,请稍后再试",
}


class ErrorAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404"]
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.append("405")
        if self.method == "DELETE":
            codes.append("409")
        view = self.view
        if getattr(view, "throttle_classes", None) or getattr(view, "action", None) in getattr(
            view, "rate_limited_actions", ()
        ):
            codes.append("429")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        field = _blank_choice_as_answered(field)
        field = _null_as_answered(field)
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        self.registry.register_on_missing(ERROR)
        self.registry.register_on_missing(VALIDATION_ERROR)
        for code in self._error_codes():
            entry = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            if not entry.get("content"):
                body = VALIDATION_ERROR if code == "400" else ERROR
                entry["content"] = {"application/json": {"schema": body.ref}}
            if code == "429":
                entry.setdefault("headers", {})["Retry-After"] = RETRY_AFTER
        return responses


def _model_field(field):
    """The model field a serializer field reads, or None (a method field, a nested path)."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or "." in source or source == "*":
        return None
    try:
        return model._meta.get_field(source)
    except FieldDoesNotExist:
        return None


def _blank_choice_as_answered(field):
    """A read-only choice field answers "" when its model column may be blank ("not rated yet").

    DRF drops `allow_blank` from read-only fields (ModelSerializer's `include_extra_kwargs`), so the
    document would list only the choices, and a record not yet rated or closed would violate it.
    """
    if not isinstance(field, serializers.ChoiceField) or field.allow_blank or not field.read_only:
        return field
    model_field = _model_field(field)
    if model_field is None or not getattr(model_field, "blank", False):
        return field
    if model_field.get_internal_type() not in ("CharField", "TextField"):
        return field
    answered = copy.copy(field)
    answered.allow_blank = True
    return answered


def _null_as_answered(field):
    """A read-only field answers null when its model column is nullable."""
    if not getattr(field, "read_only", False) or getattr(field, "allow_null", True):
        return field
    model_field = _model_field(field)
    if model_field is None or not getattr(model_field, "null", False):
        return field
    answered = copy.copy(field)
    answered.allow_null = True
    return answered
