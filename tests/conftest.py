"""Project-wide test settings."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashers are slow on purpose; tests create many users and need no such protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _verified_users_sign_in_verified(monkeypatch):
    """``client.force_login(user)`` for a user object marked verified (tests.factories.verify_otp)
    also puts its device in the session, as django_otp.login does after a correct code; any
    other user signs in without the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        device = getattr(user, "otp_device", None)
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids are reused after a rollback, and a cached
    open-month figure from one test must not answer another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_rule_caches():
    """The published rules are cached per process by row id (``evaluation.rating``,
    ``scoring.selectors``): sound where ids are never reused, but a test's rollback reuses
    them, and the standard fixture's versions then land under other ids from one test to the
    next (a template of ND90-VC where ND335-2025 v2 was). Each test starts with empty caches."""
    from evaluation import rating
    from scoring import selectors

    caches = [rating._rules_for, rating._head_bound, selectors._published_criteria]
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def pytest_collection_modifyitems(config, items):
    """Every transactional test must restore the serialized database (serialized_rollback):
    a plain flush recreates content types under new ids, and the next test that restores the
    serialized rows would collide with them (seen on PostgreSQL, where the concurrency tests
    ran before the replica router's)."""
    offenders = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            continue
        if marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            offenders.append(item.nodeid)
    if offenders:
        raise pytest.UsageError(
            "django_db(transaction=True) needs serialized_rollback=True: " + ", ".join(offenders)
        )
