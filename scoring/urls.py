"""Pages of the scoring app, under /rules/ (editing stays in the admin)."""

from scoring import views

app_name = "scoring"

urlpatterns = [*views.urls]
