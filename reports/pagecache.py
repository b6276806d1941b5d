"""The staff pages' fragments and aggregates, cached until the data they show changes (the data version of
programs/dataversion.py) in the "pages" cache (settings.CACHES)."""

import hashlib

from django.core.cache import caches
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from participants.access import institution_scope
from programs.dataversion import data_version


def scope_key(scope):
    if scope is None:
        return "all"
    return hashlib.sha256(",".join(map(str, sorted(scope))).encode()).hexdigest()[:16]


def cache_key(request, name, vary):
    """name, the viewer's scope (the institutions whose people they may see), a digest of vary (whatever else
    the value depends on) and the language. The data version is the entry's cache version (cached())."""
    digest = hashlib.sha256(repr(vary).encode()).hexdigest()[:16]
    scope = scope_key(institution_scope(request.user))
    return f"{name}:{scope}:{digest}:{get_language()}"


def cached(request, name, vary, compute):
    """compute() kept in the "pages" cache under cache_key(), with the data version as the cache's version
    (cache.get_or_set): a change of the data makes every earlier entry unreadable. Returns (value,
    was_cached)."""
    computed = []

    def compute_once():
        computed.append(True)
        return compute()

    value = caches["pages"].get_or_set(
        cache_key(request, name, vary), compute_once, version=data_version(request)
    )
    return value, not computed


def cached_html(request, name, vary, render):
    """render() -> HTML, cached like cached(); returns (safe HTML, was_cached)."""
    html, was_cached = cached(request, name, vary, lambda: str(render()))
    return mark_safe(html), was_cached  # noqa: S308 (HTML this project's templates rendered)
