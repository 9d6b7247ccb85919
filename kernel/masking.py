"""Masks for identifiers shown in lists: enough to recognise a record, not enough to misuse it."""


def mask_id_number(value: str) -> str:
    """Keep the first three and the last four characters: 440***********123X, 138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_mobile(value: str) -> str:
    return mask_id_number(value)



def mask_name(value: str) -> str:
    """Keep the family name (the first character): 张**, for pages the public can open."""
    value = (value or "").strip()
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)
