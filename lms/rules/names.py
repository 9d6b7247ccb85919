"""What a real name looks like: Chinese characters (with the middle dot of minority and
transliterated names) or Latin letters."""

import re

_REAL_NAME = re.compile(r"^[\u3400-\u9fff·•]{2,20}$|^[A-Za-z][A-Za-z .'-]{1,49}$")


def real_name_is_valid(value: str) -> bool:
    return bool(_REAL_NAME.match((value or "").strip()))
