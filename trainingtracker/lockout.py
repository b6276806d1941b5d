"""Who a failed login counts against (django-axes' AXES_LOCKOUT_PARAMETERS and AXES_FAILURE_LIMIT).

- A known username is locked only together with the address the attempts came from: someone guessing
  the administrator's password from elsewhere locks themselves out, never the administrator at their own
  desk, who gets back in without anyone's help.
- An unknown username counts against the address alone, with a higher limit (an office behind one NAT
  address shares it): spraying guessed usernames from one address stops after
  AXES_ADDRESS_FAILURE_LIMIT attempts.

The address is the client's, as django-ipware reads it from AXES_IPWARE_META_PRECEDENCE_ORDER: behind the
reverse proxy (BEHIND_PROXY) only the X-Real-IP header the proxy sets, never X-Forwarded-For, which a
client can forge and rotate.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

PER_USER = [["username", "ip_address"]]
PER_ADDRESS = ["ip_address"]


def _username(request_or_attempt, credentials):
    if credentials:
        return credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    return getattr(request_or_attempt, "username", None)  # an AccessAttempt


def _is_known(username):
    User = get_user_model()
    return bool(username) and User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists()


def lockout_parameters(request_or_attempt, credentials=None):
    """AXES_LOCKOUT_PARAMETERS: username and address for a known user, the address for anyone else."""
    return PER_USER if _is_known(_username(request_or_attempt, credentials)) else PER_ADDRESS


def failure_limit(request, credentials=None):
    """AXES_FAILURE_LIMIT: the per-user limit for a known user, the per-address limit for anyone else."""
    if _is_known(_username(request, credentials)):
        return settings.LOGIN_FAILURE_LIMIT
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT
