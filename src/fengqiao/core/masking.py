"""Masks for personal data shown in lists: 511123********1234, 138****5678."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    digits = value.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else value[:2] + "****"


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else value


def mask_address(value: str | None, keep: int = 8) -> str:
    if not value:
        return ""
    return value[:keep] + "****" if len(value) > keep else value
