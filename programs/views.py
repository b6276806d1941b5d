from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Program


@login_required
def overview(request):
    return render(request, "programs/overview.html", {})


@login_required
def program_detail(request, pk):
    program = get_object_or_404(Program, pk=pk)
    return render(request, "programs/detail.html", {"program": program})
