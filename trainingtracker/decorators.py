"""The access check of every staff page."""

from django.contrib.auth.decorators import login_required, permission_required


def staff_view(permission):
    """Login first (anonymous users are sent to the login page), then the permission (else 403)."""

    def decorate(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorate
