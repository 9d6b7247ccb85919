"""Throttling logins, locking an account after too many wrong passwords, and lifting the lock.

Counted in Django's cache (kernel.throttle), per account and per client address:
- after LOGIN_DELAY_AFTER failures for one account within LOGIN_FAILURE_WINDOW_SECONDS, each
  further try must wait LOGIN_DELAY_SECONDS after the last failure (`login_wait`);
- at LOGIN_LOCK_AFTER failures the account is locked (User.login_locked_at, an audit row):
  even the right password is refused until an authority reviewer who oversees the person (or a
  superuser) unlocks it, or the person enters a code sent to their registered mobile;
- an address with LOGIN_ADDRESS_MAX_FAILURES failures within the window may not try again until
  the window ends (`login_address_throttled`), whichever accounts it tried.

An identifier that belongs to nobody is counted and refused exactly like an account, so the answers
reveal nobody's registration.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel import audit, sms, throttle
from kernel.validators import normalise_id_number, normalise_mobile

from .. import policies
from ..errors import ERRORS
from ..models import Person, User


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def account_of(identifier: str) -> User | None:
    from ..auth_backends import IdentifierBackend

    identifier = (identifier or "").strip()
    return IdentifierBackend.find(identifier) if identifier else None


def _account_key(identifier: str, user: User | None) -> str:
    if user is not None:
        return f"user:{user.pk}"
    # Nobody: the identifier as its holder would type it, so spellings of one number count once.
    mobile = normalise_mobile(identifier)
    if mobile.isdigit() and len(mobile) == 11:
        return f"mobile:{mobile}"
    id_number = normalise_id_number(identifier)
    return f"id:{id_number}" if len(id_number) == 18 else f"name:{identifier.strip().lower()}"


def _keys(account: str, address: str) -> dict[str, str]:
    return {
        "failures": throttle.key("login-failures", account),
        "wait": throttle.key("login-wait", account),
        "address": throttle.key("login-address", address),
    }


def login_check(*, identifier: str, address: str) -> None:
    """Before the password is checked: refuse a locked account, one that must wait, or an
    address that tried too often. Raises DomainError account_locked, login_wait or
    login_address_throttled."""
    user = account_of(identifier)
    keys = _keys(_account_key(identifier, user), address)
    if throttle.count(keys["address"]) >= _setting("LOGIN_ADDRESS_MAX_FAILURES", 30):
        raise ERRORS.error("login_address_throttled", minutes=_setting("LOGIN_FAILURE_WINDOW_SECONDS", 900) // 60)
    if (user is not None and user.login_locked_at) or throttle.count(keys["failures"]) >= _setting(
        "LOGIN_LOCK_AFTER", 10
    ):
        raise ERRORS.error("account_locked")
    if throttle.flagged(keys["wait"]):
        raise ERRORS.error("login_wait", seconds=_setting("LOGIN_DELAY_SECONDS", 30))


def login_failed(*, identifier: str, address: str) -> None:
    """A wrong password: count it for the account and the address; delay or lock the account."""
    user = account_of(identifier)
    keys = _keys(_account_key(identifier, user), address)
    window = _setting("LOGIN_FAILURE_WINDOW_SECONDS", 900)
    throttle.hit(keys["address"], window=window)
    failures = throttle.hit(keys["failures"], window=window)
    if failures >= _setting("LOGIN_DELAY_AFTER", 5):
        throttle.flag(keys["wait"], seconds=_setting("LOGIN_DELAY_SECONDS", 30))
    if failures >= _setting("LOGIN_LOCK_AFTER", 10) and user is not None:
        _lock(user=user, failures=failures, address=address)


def login_succeeded(*, user: User, address: str) -> None:
    """The right password: the account's count starts again (the address's does not)."""
    keys = _keys(_account_key("", user), address)
    throttle.clear(keys["failures"], keys["wait"])


@transaction.atomic
def _lock(*, user: User, failures: int, address: str) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.login_locked_at:
        return
    user.login_locked_at = timezone.now()
    user.save(update_fields=["login_locked_at"])
    audit.record(
        event_type=audit.AuditEventType.STATUS_CHANGED,
        target=user,
        old_state="active",
        new_state="login_locked",
        extra={"failures": failures, "address": address},
    )


@transaction.atomic
def _unlock(*, user: User, actor: User | None, via: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    throttle.clear(*_keys(_account_key("", user), "").values())
    if not user.login_locked_at:
        return user
    user.login_locked_at = None
    user.save(update_fields=["login_locked_at"])
    audit.record(
        event_type=audit.AuditEventType.STATUS_CHANGED,
        target=user,
        actor=actor,
        old_state="login_locked",
        new_state="active",
        extra={"via": via},
    )
    return user


def login_unlock(*, actor: User, person_id: int) -> User:
    """An authority reviewer who oversees the person (or a superuser) lifts the lock."""
    if not policies.can_unlock_login(actor, person_id):
        raise ERRORS.error("unlock_not_allowed")
    person = Person.objects.select_related("user").get(pk=person_id)
    return _unlock(user=person.user, actor=actor, via="authority")


# The person's own mobile ------------------------------------------------------------------------


def _code_digest(user: User, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{user.pk}:{code}".encode(), hashlib.sha256).hexdigest()


def login_unlock_code_send(*, identifier: str, address: str) -> None:
    """Send a one-time code to the registered mobile of a locked account. The caller tells every
    visitor the same thing (a code was sent if the account is locked and has a mobile)."""
    window = _setting("LOGIN_FAILURE_WINDOW_SECONDS", 900)
    if throttle.hit(throttle.key("unlock-send", address), window=window) > _setting("LOGIN_UNLOCK_SENDS", 5):
        raise ERRORS.error("login_address_throttled", minutes=window // 60)
    user = account_of(identifier)
    person = getattr(user, "person", None) if user is not None else None
    if user is None or not user.login_locked_at or person is None or not person.mobile:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    from django.core.cache import cache

    cache.set(throttle.key("unlock-code", user.pk), _code_digest(user, code), timeout=600)
    throttle.clear(throttle.key("unlock-tries", user.pk))
    sms.send(
        mobile=person.mobile,
        text=_("Kaohe: your unlock code is %(code)s, valid for 10 minutes. Never tell it to anyone.") % {"code": code},
    )


def login_unlock_with_code(*, identifier: str, code: str, address: str) -> User:
    """Lift the lock with the code sent to the mobile. Raises unlock_code_wrong (the same answer
    for a wrong code, an expired one, and an identifier without a lock)."""
    from django.core.cache import cache

    window = _setting("LOGIN_FAILURE_WINDOW_SECONDS", 900)
    if throttle.count(throttle.key("unlock-address", address)) >= _setting("LOGIN_ADDRESS_MAX_FAILURES", 30):
        raise ERRORS.error("login_address_throttled", minutes=window // 60)
    user = account_of(identifier)
    expected = cache.get(throttle.key("unlock-code", user.pk)) if user is not None else None
    tries = throttle.hit(throttle.key("unlock-tries", getattr(user, "pk", identifier)), window=600)
    if (
        user is None
        or expected is None
        or tries > 5
        or not hmac.compare_digest(expected, _code_digest(user, (code or "").strip()))
    ):
        throttle.hit(throttle.key("unlock-address", address), window=window)
        raise ERRORS.error("unlock_code_wrong", field="code")
    cache.delete(throttle.key("unlock-code", user.pk))
    return _unlock(user=user, actor=user, via="mobile")
