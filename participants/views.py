from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from programs.models import Institution

from .models import Participant


@login_required
def participant_detail(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    return render(request, "participants/detail.html", {"participant": participant})


@login_required
def institution_detail(request, pk):
    institution = get_object_or_404(Institution, pk=pk)
    return render(request, "participants/institution_detail.html", {"institution": institution})
