"""Every refusal of cms. The catalogue pages refuse nothing of their own yet: a course or lesson
that is not live is refused by hours, which enrols and studies (hours/errors.py)."""

from kernel.errors import Catalogue

ERRORS = Catalogue("cms", {})
