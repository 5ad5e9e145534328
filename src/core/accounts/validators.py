"""Password policy beyond Django's built-in validators."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Require at least one upper-case letter, lower-case letter, digit and symbol."""

    def validate(self, password: str, user: Any = None) -> None:
        missing = []
        if not any(c.isupper() for c in password):
            missing.append(_("an upper-case letter"))
        if not any(c.islower() for c in password):
            missing.append(_("a lower-case letter"))
        if not any(c.isdigit() for c in password):
            missing.append(_("a digit"))
        if not any(
            c in string.punctuation or (not c.isalnum() and not c.isspace()) for c in password
        ):
            missing.append(_("a symbol such as ! ? # or @"))
        if missing:
            raise ValidationError(
                _("The password must contain %(items)s.") % {"items": ", ".join(missing)},
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must contain an upper-case letter, a lower-case letter, "
            "a digit and a symbol."
        )
